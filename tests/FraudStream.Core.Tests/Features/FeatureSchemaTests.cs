using FraudStream.Features;
using FraudStream.Features.Internal;

namespace FraudStream.Core.Tests.Features;

public sealed class FeatureSchemaTests
{
    [Fact]
    public void Current_schema_names_match_the_featurizer_positions()
    {
        var schema = FeatureSchema.Current;
        Assert.Equal(FeatureIndex.Count, schema.Count);
        Assert.InRange(schema.Count, 35, 60);
        Assert.Equal(FeatureIndex.CallerOnDoNotOriginateList, schema.IndexOf("caller_on_do_not_originate_list"));
        Assert.Equal(FeatureIndex.CalleeCalledCallerBefore7d, schema.IndexOf("callee_called_caller_before_7d"));
        Assert.Equal(FeatureIndex.TrunkNpaNxxMatchShare1h, schema.IndexOf("trunk_npa_nxx_match_share_1h"));
        for (var i = 0; i < schema.Count; i++)
        {
            Assert.Equal(i, schema.IndexOf(schema.Names[i]));
        }
        Assert.Equal(-1, schema.IndexOf("no_such_feature"));
    }

    [Fact]
    public void Hash_is_stable_for_the_same_names()
    {
        var again = new FeatureSchema(FeatureSchema.CurrentVersion, FeatureSchema.Current.Names);
        Assert.Equal(FeatureSchema.Current.Hash, again.Hash);
        Assert.Matches("^[0-9a-f]{64}$", again.Hash);
        // Pinned: a change of any feature must be deliberate (models record this hash). Update it with the features.
        Assert.Equal("926a2b4428a9a22b83911832393cb263a3cd361e58d7d36e976368180e29d32e", FeatureSchema.Current.Hash);
    }

    [Fact]
    public void Hash_changes_when_a_name_the_order_or_the_version_changes()
    {
        var names = FeatureSchema.Current.Names.ToArray();
        var renamed = (string[])names.Clone();
        renamed[3] = "renamed_feature";
        var swapped = (string[])names.Clone();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
        var hashes = new[]
        {
            FeatureSchema.Current.Hash,
            new FeatureSchema(FeatureSchema.CurrentVersion, renamed).Hash,
            new FeatureSchema(FeatureSchema.CurrentVersion, swapped).Hash,
            new FeatureSchema(FeatureSchema.CurrentVersion, names[..^1]).Hash,
            new FeatureSchema("fraudstream-features-0", names).Hash,
        };
        Assert.Equal(hashes.Length, hashes.Distinct().Count());
    }

    [Theory]
    [InlineData("CamelCase")]
    [InlineData("with space")]
    [InlineData("trailing_")]
    [InlineData("double__underscore")]
    [InlineData("1starts_with_digit")]
    [InlineData("")]
    public void Constructor_rejects_names_that_are_not_snake_case(string name) =>
        Assert.Throws<ArgumentException>(() => new FeatureSchema("v", ["ok_name", name]));

    [Fact]
    public void Constructor_rejects_duplicate_names() =>
        Assert.Throws<ArgumentException>(() => new FeatureSchema("v", ["a", "b", "a"]));
}
