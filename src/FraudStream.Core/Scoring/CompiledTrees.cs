using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace FraudStream.Scoring;

/// <summary>
/// An ensemble's trees compiled to code when it is loaded: every split becomes a compare-and-branch of its own, with
/// the feature's offset and the threshold as constants, and every leaf adds its value to the sum. Consecutive trees
/// share a dynamic method of at most <see cref="MaxBlocksPerMethod"/> splits and leaves, small enough for the JIT to
/// optimise fully. The sum is added tree by tree in the ensemble's order, so the raw score is bit for bit the
/// descent's. A tree too large for a method on its own is left to the descent (<see cref="Segments"/>), and the trees
/// around it stay compiled.
/// </summary>
/// <remarks>
/// Against the node-by-node descent the gain is in the branches: each split has its own branch instruction, which
/// the CPU predicts separately, and nothing is loaded but the feature. Measured in <c>EnsembleBenchmarks</c>
/// (<c>Compiled</c> against <c>Descent</c>).
/// </remarks>
internal sealed class CompiledTrees : CompiledSegments<CompiledTrees.TreeGroup>
{
    /// <summary>
    /// Splits plus leaves per dynamic method. The JIT compiles a method of more than about 2,000 basic blocks
    /// without optimisations; a split ends one block and its right child starts another, so a method of 1,000 splits
    /// and leaves stays well inside. A tree larger than this on its own (or a malformed one whose shared nodes
    /// would be emitted again at every parent) is left to the descent.
    /// </summary>
    internal const int MaxBlocksPerMethod = 1_000;

    internal delegate double TreeGroup(ref float features, double sum);

    /// <summary>
    /// What the delegates of the dynamic methods are closed over, as their first argument (unused): a delegate to a
    /// static method taking all its arguments from the call goes through a stub that moves them one place on each call
    /// (0.33% of the processor's samples), one closed over an argument calls the method directly.
    /// </summary>
    internal static readonly object Closure = new();

    private readonly TreeGroup[] _groups;

    private CompiledTrees(TreeSegment<TreeGroup>[] segments)
        : base(segments) =>
        _groups = [.. segments.Where(s => s.Code is not null).Select(s => s.Code!)];

    /// <summary>The trees in methods of their own, or null where the runtime cannot compile code or no tree fits a method.</summary>
    public static CompiledTrees? TryCreate(
        int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold, int[] left, int[] right, double[] leafValue)
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled)
            return null;
        var trees = nodeStart.Length - 1;
        var blocks = new long[trees];
        for (var t = 0; t < trees; t++)
        {
            blocks[t] = ExpandedBlocks(nodeStart[t], nodeStart[t + 1], left, right);
        }
        if (Segment(blocks, MaxBlocksPerMethod, null, 0,
                (first, end) => Compile(first, end, nodeStart, leafStart, splitFeature, threshold, left, right, leafValue)) is not { } segments)
            return null;
        var compiled = new CompiledTrees(segments);
        // The JIT compiles a dynamic method when it is first called: do it here, on the thread that loads the model,
        // rather than on the first call scored with it (the sum is dropped).
        var any = WarmUpVector(splitFeature);
        _ = compiled.Add(ref any[0], 0);
        return compiled;
    }

    /// <summary>
    /// A vector for calling compiled code once when it is built: it reaches the last feature split on, and as its values
    /// do not matter it is not even cleared.
    /// </summary>
    internal static float[] WarmUpVector(int[] splitFeature) =>
        GC.AllocateUninitializedArray<float>(splitFeature.Length == 0 ? 1 : splitFeature.Max() + 1);

    /// <summary>
    /// <paramref name="sum"/> plus the leaf every compiled tree sends <paramref name="features"/> to: every tree's where
    /// <see cref="WalkedTrees"/> is 0.
    /// </summary>
    public double Add(ref float features, double sum)
    {
        foreach (var group in _groups)
        {
            sum = group(ref features, sum);
        }
        return sum;
    }

    /// <summary>
    /// Splits and leaves of one tree as emitted, shared nodes counted at every parent (children come after their
    /// parents, so one backward pass sees both children first); saturates just above the limit.
    /// </summary>
    private static long ExpandedBlocks(int nodeBase, int nodeEnd, int[] left, int[] right)
    {
        if (nodeEnd == nodeBase)
            return 1;
        var size = new int[nodeEnd - nodeBase];
        for (var i = nodeEnd - 1; i >= nodeBase; i--)
        {
            var total = 1L + Child(left[i]) + Child(right[i]);
            size[i - nodeBase] = (int)Math.Min(total, MaxBlocksPerMethod + 1);
        }
        return size[0];

        int Child(int child) => child < 0 ? 1 : size[child];
    }

    /// <summary>
    /// A split: branches to <paramref name="toRight"/> unless the feature (of the vector by reference in argument
    /// <paramref name="vectorArg"/>) is at most <paramref name="threshold"/>; greater or unordered (NaN) goes right, as
    /// in the descent.
    /// </summary>
    internal static void EmitBranchRight(ILGenerator il, int vectorArg, int feature, float threshold, Label toRight)
    {
        EmitFeatureAddress(il, vectorArg, feature);
        il.Emit(OpCodes.Ldind_R4);
        il.Emit(OpCodes.Ldc_R4, threshold);
        il.Emit(OpCodes.Bgt_Un, toRight);
    }

    /// <summary>Pushes the address of element <paramref name="feature"/> of the floats by reference in argument <paramref name="arg"/>.</summary>
    internal static void EmitFeatureAddress(ILGenerator il, int arg, int feature)
    {
        il.Emit(arg switch { 1 => OpCodes.Ldarg_1, 2 => OpCodes.Ldarg_2, _ => throw new ArgumentOutOfRangeException(nameof(arg)) });
        if (feature != 0)
        {
            // A native-sized offset: a feature index of 2^29 or more would overflow an int's byte offset.
            il.Emit(OpCodes.Ldc_I8, (long)feature * sizeof(float));
            il.Emit(OpCodes.Conv_I);
            il.Emit(OpCodes.Add);
        }
    }

    private static TreeGroup Compile(
        int first, int end, int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold, int[] left, int[] right, double[] leafValue)
    {
        var method = new DynamicMethod(
            $"Trees{first}To{end - 1}", typeof(double), [typeof(object), typeof(float).MakeByRefType(), typeof(double)], typeof(CompiledTrees).Module,
            skipVisibility: true);
        var il = method.GetILGenerator();
        for (var t = first; t < end; t++)
        {
            var done = il.DefineLabel();
            if (nodeStart[t + 1] == nodeStart[t])
                EmitLeaf(leafStart[t]);
            else
                EmitNode(0);
            il.MarkLabel(done);

            void EmitNode(int local)
            {
                var node = nodeStart[t] + local;
                var toRight = il.DefineLabel();
                EmitBranchRight(il, 1, splitFeature[node], threshold[node], toRight);
                EmitChild(left[node]);
                il.MarkLabel(toRight);
                EmitChild(right[node]);
            }

            void EmitChild(int child)
            {
                if (child >= 0)
                    EmitNode(child);
                else
                    EmitLeaf(leafStart[t] + ~child);
            }

            void EmitLeaf(int leaf)
            {
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Ldc_R8, leafValue[leaf]);
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Starg_S, (byte)2);
                il.Emit(OpCodes.Br, done);
            }
        }
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Ret);
        return (TreeGroup)method.CreateDelegate(typeof(TreeGroup), Closure);
    }
}

/// <summary>Consecutive trees, <see cref="FirstTree"/> to before <see cref="EndTree"/>: one compiled method, or walked where <see cref="Code"/> is null.</summary>
internal readonly record struct TreeSegment<TCode>(TCode? Code, int FirstTree, int EndTree)
    where TCode : Delegate;

/// <summary>An ensemble's trees, in order, in compiled methods of <typeparamref name="TCode"/> or left to be walked (<see cref="Segment"/>).</summary>
internal abstract class CompiledSegments<TCode>
    where TCode : Delegate
{
    protected CompiledSegments(TreeSegment<TCode>[] segments)
    {
        Segments = segments;
        WalkedTrees = segments.Where(s => s.Code is null).Sum(s => s.EndTree - s.FirstTree);
    }

    /// <summary>Every tree, in order, in compiled methods or walked.</summary>
    public TreeSegment<TCode>[] Segments { get; }

    /// <summary>
    /// The trees cut into segments (<see cref="Partition"/>), each group compiled by <paramref name="compile"/> (first
    /// tree, end); null where no tree fits a method, so that nothing would be compiled.
    /// </summary>
    protected static TreeSegment<TCode>[]? Segment(long[] blocks, long maxBlocks, long[]? ilBytes, long maxIlBytes, Func<int, int, TCode> compile)
    {
        var parts = Partition(blocks, maxBlocks, ilBytes, maxIlBytes);
        return parts.Any(p => p.Compiled)
            ? [.. parts.Select(p => new TreeSegment<TCode>(p.Compiled ? compile(p.First, p.End) : null, p.First, p.End))]
            : null;
    }

    /// <summary>
    /// The trees, in order, cut into what is compiled and what is not: each run of trees too large for a method on
    /// their own is one part left uncompiled; the others are grouped, as many consecutive trees to a method as
    /// <paramref name="maxBlocks"/> (and, where given, <paramref name="maxIlBytes"/>) allow.
    /// </summary>
    private static List<(int First, int End, bool Compiled)> Partition(long[] blocks, long maxBlocks, long[]? ilBytes, long maxIlBytes)
    {
        var trees = blocks.Length;
        var parts = new List<(int, int, bool)>();
        var first = 0;
        while (first < trees)
        {
            var end = first;
            if (!Fits(first))
            {
                while (end < trees && !Fits(end))
                    end++;
                parts.Add((first, end, false));
                first = end;
                continue;
            }
            var groupBlocks = 0L;
            var groupBytes = 0L;
            while (end < trees && Fits(end) && groupBlocks + blocks[end] <= maxBlocks
                && (ilBytes is null || groupBytes + ilBytes[end] <= maxIlBytes))
            {
                groupBlocks += blocks[end];
                groupBytes += ilBytes?[end] ?? 0;
                end++;
            }
            parts.Add((first, end, true));
            first = end;
        }
        return parts;

        bool Fits(int tree) => blocks[tree] <= maxBlocks && (ilBytes is null || ilBytes[tree] <= maxIlBytes);
    }

    /// <summary>Trees too large to compile, walked node by node; 0 when the compiled code covers the ensemble.</summary>
    public int WalkedTrees { get; }
}
