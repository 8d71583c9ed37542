using HiddenConvex.Core.Pricing;
using MathNet.Numerics.LinearAlgebra;

namespace HiddenConvex.Core.Tests.Convex;

/// <summary>
/// The pricing of another oracle, for tests that watch or change one part of it (override <see cref="Price"/> or
/// <see cref="BlocksAbove"/>); it can hide that it lists every block, as branch and bound does.
/// </summary>
internal class DelegatingOracle(IPricingOracle inner, bool listsEveryBlock = true) : IPricingOracle
{
    protected IPricingOracle Inner => inner;
    public int N => inner.N;
    public int D => inner.D;
    public string Method => inner.Method;
    public bool BoundsFullProgram => inner.BoundsFullProgram;
    public bool ListsEveryBlock => listsEveryBlock && inner.ListsEveryBlock;
    public BlockGeometry Geometry => inner.Geometry;
    public bool Includes(Block block) => inner.Includes(block);
    public virtual PricingResult Price(Vector<double> v) => inner.Price(v);
    public virtual PricedBlocks BlocksAbove(Vector<double> v, double threshold, int maxCount = int.MaxValue) => inner.BlocksAbove(v, threshold, maxCount);
}
