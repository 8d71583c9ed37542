using HiddenConvex.Cli;

// MathNet's managed provider hands the columns of every QR, and other loops, to the thread pool even for a 6 × 3 matrix;
// on the small dense factorizations of this tool the hand-off costs more than the work (the large loops, pricing over
// many cells, run on HiddenConvex.Core's own WorkLoops). Measured in benchmarks/README.md ("MathNet single-threaded").
MathNet.Numerics.Control.UseSingleThread();
return CommandLine.Run(args);
