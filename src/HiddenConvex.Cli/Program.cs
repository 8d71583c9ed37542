using HiddenConvex.Cli;

return CommandLine.Run(args);
