/// The convex solver the theorem laws are applied to (one law set for any implementation): every
/// law family that solves the convex program (D2, I1's scaling law, T1–T3, T4's restricted
/// candidates, T5, T6, the unit laws I2) takes a SolverUnderTest; Catalogue.lawsFor builds the
/// catalogue for one, and the runner and the xunit host use `ours`.
module HiddenConvex.Properties.SolverUnderTest

open HiddenConvex.Core.Convex
open HiddenConvex.Core.Pipeline

/// A solver of the convex program of THEORY.md §3 and the certified pipeline around it (solve →
/// optimal set → prune → refine → m* → ψ, §3–§6). Solve may be given any program (the full pattern
/// set, a subset of cells, a sample); Pipeline is what a tool built on Solve ships for the full one.
type SolverUnderTest =
    { Name: string
      Solve: ConvexProblem -> SolverResult
      Pipeline: ConvexProblem -> PipelineSettings -> CertifiedSolution }

/// The project's solver (ConvexSolver with its default settings) and the certified pipeline the
/// `hcv` commands run. The only place of the suite that calls ConvexSolver.Solve or
/// CertifiedPipeline.Run.
let ours =
    { Name = "ConvexSolver"
      Solve = fun p -> ConvexSolver.Solve p
      Pipeline = fun p settings -> CertifiedPipeline.Run(p, settings) }
