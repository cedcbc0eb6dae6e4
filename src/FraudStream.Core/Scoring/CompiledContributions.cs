using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace FraudStream.Scoring;

/// <summary>
/// An ensemble's per-feature contributions (<see cref="TreeEnsemble.Contributions"/>) compiled to code when it is
/// loaded, as <see cref="CompiledTrees"/> compiles the raw score. Each split of a tree becomes code that, on the way
/// down, first finds the leaf the child not taken leads to (a descent of that subtree, each of its splits a
/// compare-and-branch of its own) and keeps its value; each leaf's code then credits, root first, the feature of every
/// split on its path with the leaf's value minus the kept one. The credits are the walk's, added in the walk's order,
/// so the contributions are bit for bit the walk's.
/// </summary>
/// <remarks>
/// The walk takes the same branch instruction at every split of every tree, which the CPU predicts poorly; here each
/// split has branches of its own, as in the compiled raw score. The price is code: every split is emitted once on the path
/// and once in the descent of each split above it, about splits times depth a tree. Trees are grouped into dynamic
/// methods small enough for the JIT to optimise (<see cref="MaxBlocksPerMethod"/>, <see cref="MaxIlBytesPerMethod"/>);
/// a tree too large for a method on its own, or one whose shared nodes would multiply, is left to the walk
/// (<see cref="Segments"/>), and the trees around it stay compiled.
/// Measured in <c>EnsembleBenchmarks</c> (<c>Contributions</c> against <c>ContributionsWalk</c>).
/// </remarks>
internal sealed class CompiledContributions : CompiledSegments<CompiledContributions.TreeGroup>
{
    /// <summary>Basic blocks per method, as for <see cref="CompiledTrees.MaxBlocksPerMethod"/>.</summary>
    internal const int MaxBlocksPerMethod = CompiledTrees.MaxBlocksPerMethod;

    /// <summary>
    /// IL bytes per method: the JIT compiles a method of more than 60,000 bytes of IL without optimisations, and the
    /// credits of the leaves make these methods larger per block than the raw score's.
    /// </summary>
    internal const int MaxIlBytesPerMethod = 30_000;

    /// <summary>IL bytes of one credit (<see cref="Compile"/>'s <c>EmitCredit</c>), at most.</summary>
    private const int CreditIlBytes = 32;

    /// <summary>IL bytes of one split's compare and branch, or of one leaf's store and branch, at most.</summary>
    private const int BlockIlBytes = 24;

    internal delegate void TreeGroup(ref float features, ref float credit);

    private CompiledContributions(TreeSegment<TreeGroup>[] segments)
        : base(segments)
    {
    }

    /// <summary>The contributions as code, or null where the runtime cannot compile code or no tree fits a method.</summary>
    public static CompiledContributions? TryCreate(
        int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold, int[] left, int[] right, double[] leafValue)
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled)
            return null;
        var trees = nodeStart.Length - 1;
        var blocks = new long[trees];
        var ilBytes = new long[trees];
        var depth = new int[trees];
        for (var t = 0; t < trees; t++)
        {
            (blocks[t], ilBytes[t], depth[t]) = Size(nodeStart[t], nodeStart[t + 1], left, right);
        }
        if (Segment(blocks, MaxBlocksPerMethod, ilBytes, MaxIlBytesPerMethod,
                (first, end) => Compile(first, end, depth[first..end].Max(), nodeStart, leafStart, splitFeature, threshold, left, right, leafValue)) is not { } segments)
            return null;
        var compiled = new CompiledContributions(segments);
        // Compiled by the JIT now, on the thread that loads the model, rather than on the first alert (as the raw
        // score's trees are); the credits are written over the vector itself, so one array touches no more memory than
        // the code reads and writes.
        var any = CompiledTrees.WarmUpVector(splitFeature);
        compiled.Add(ref any[0], ref any[0]);
        return compiled;
    }

    /// <summary>
    /// Adds the compiled trees' credits for <paramref name="features"/> to <paramref name="credit"/> (one per feature):
    /// every tree's where <see cref="WalkedTrees"/> is 0.
    /// </summary>
    public void Add(ref float features, ref float credit)
    {
        foreach (var segment in Segments)
        {
            segment.Code?.Invoke(ref features, ref credit);
        }
    }

    /// <summary>
    /// A tree's emitted blocks and IL bytes, at most (saturating at 2^40, far above the limits; shared nodes counted
    /// at every parent), and its deepest path. Children come after their parents, so one backward pass sees both children first.
    /// </summary>
    private static (long Blocks, long IlBytes, int Depth) Size(int nodeBase, int nodeEnd, int[] left, int[] right)
    {
        if (nodeEnd == nodeBase)
            return (1, BlockIlBytes, 0);
        var count = nodeEnd - nodeBase;
        // Per node: its subtree as a descent (splits and leaves), its subtree as paths (the splits' code on the path,
        // the descents they hold, the leaves' credits) with the credits' count apart, its leaves and its depth below.
        var descent = new long[count];
        var path = new long[count];
        var credits = new long[count];
        var leaves = new long[count];
        var below = new int[count];
        const long cap = 1L << 40; // far above any limit, far below overflow when summed
        for (var i = count - 1; i >= 0; i--)
        {
            var l = left[nodeBase + i];
            var r = right[nodeBase + i];
            descent[i] = Math.Min(cap, 1 + Descent(l) + Descent(r));
            leaves[i] = Math.Min(cap, Leaves(l) + Leaves(r));
            below[i] = 1 + Math.Max(Below(l), Below(r));
            // Each leaf under this split credits it once: its credits are those below plus one per leaf.
            credits[i] = Math.Min(cap, Credits(l) + Credits(r) + leaves[i]);
            path[i] = Math.Min(cap, 1 + Descent(l) + Descent(r) + Path(l) + Path(r));
        }
        return (path[0], (path[0] * BlockIlBytes) + (credits[0] * CreditIlBytes), below[0]);

        long Descent(int child) => child < 0 ? 1 : descent[child];
        long Path(int child) => child < 0 ? 1 : path[child];
        long Credits(int child) => child < 0 ? 0 : credits[child];
        long Leaves(int child) => child < 0 ? 1 : leaves[child];
        int Below(int child) => child < 0 ? 0 : below[child];
    }

    private static TreeGroup Compile(
        int first, int end, int depth, int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold, int[] left, int[] right,
        double[] leafValue)
    {
        var method = new DynamicMethod(
            $"Contributions{first}To{end - 1}", typeof(void), [typeof(object), typeof(float).MakeByRefType(), typeof(float).MakeByRefType()],
            typeof(CompiledContributions).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        // The value of the leaf that the child not taken leads to, per split on the path (by its depth).
        var ghost = new LocalBuilder[depth];
        for (var d = 0; d < depth; d++)
            ghost[d] = il.DeclareLocal(typeof(double));
        var pathFeature = new int[depth];
        for (var t = first; t < end; t++)
        {
            if (nodeStart[t + 1] == nodeStart[t])
                continue; // a single leaf: no split to credit
            var done = il.DefineLabel();
            EmitPathNode(0, 0);
            il.MarkLabel(done);

            // A split on the path at depth d: keep the value the other way leads to, then go on down the taken child.
            void EmitPathNode(int local, int d)
            {
                var node = nodeStart[t] + local;
                pathFeature[d] = splitFeature[node];
                var toRight = il.DefineLabel();
                CompiledTrees.EmitBranchRight(il, 1, splitFeature[node], threshold[node], toRight);
                EmitDescent(right[node], ghost[d]);
                EmitPathChild(left[node], d + 1);
                il.MarkLabel(toRight);
                EmitDescent(left[node], ghost[d]);
                EmitPathChild(right[node], d + 1);
            }

            void EmitPathChild(int child, int d)
            {
                if (child >= 0)
                {
                    EmitPathNode(child, d);
                    return;
                }
                // The leaf reached: credit every split above it, root first, as the walk does.
                var reached = leafValue[leafStart[t] + ~child];
                for (var s = 0; s < d; s++)
                    EmitCredit(pathFeature[s], reached, ghost[s]);
                il.Emit(OpCodes.Br, done);
            }

            // The leaf a descent from child reaches, its value into target.
            void EmitDescent(int child, LocalBuilder target)
            {
                var after = il.DefineLabel();
                EmitDescentFrom(child, target, after);
                il.MarkLabel(after);
            }

            void EmitDescentFrom(int child, LocalBuilder target, Label after)
            {
                if (child < 0)
                {
                    il.Emit(OpCodes.Ldc_R8, leafValue[leafStart[t] + ~child]);
                    il.Emit(OpCodes.Stloc, target);
                    il.Emit(OpCodes.Br, after);
                    return;
                }
                var node = nodeStart[t] + child;
                var toRight = il.DefineLabel();
                CompiledTrees.EmitBranchRight(il, 1, splitFeature[node], threshold[node], toRight);
                EmitDescentFrom(left[node], target, after);
                il.MarkLabel(toRight);
                EmitDescentFrom(right[node], target, after);
            }
        }
        il.Emit(OpCodes.Ret);
        return (TreeGroup)method.CreateDelegate(typeof(TreeGroup), CompiledTrees.Closure);

        // credit[feature] += (float)(reached - ghost), as the walk computes it.
        void EmitCredit(int feature, double reached, LocalBuilder ghostValue)
        {
            CompiledTrees.EmitFeatureAddress(il, 2, feature);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Ldind_R4);
            il.Emit(OpCodes.Ldc_R8, reached);
            il.Emit(OpCodes.Ldloc, ghostValue);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Conv_R4);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stind_R4);
        }
    }
}
