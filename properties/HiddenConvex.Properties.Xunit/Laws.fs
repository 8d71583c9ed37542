module HiddenConvex.Properties.Xunit.Laws
