namespace HiddenConvex.Core.Tests;
