namespace FraudStream.Ml.Tests;

public sealed class LabelsCsvTests
{
    private static Dictionary<string, CallLabel> Read(string text) => LabelsCsv.Read(new StringReader(text), "labels.csv");

    [Fact]
    public void Reads_labels_with_a_campaign_column()
    {
        var labels = Read("call_id,is_fraud,scheme,campaign\nc-1,0,legit_domestic,\nc-2,1,wangiri,w-3\n");
        Assert.Equal(new CallLabel(false, "legit_domestic", null), labels["c-1"]);
        Assert.Equal(new CallLabel(true, "wangiri", "w-3"), labels["c-2"]);
    }

    [Fact]
    public void Reads_labels_without_a_campaign_column_and_with_crlf()
    {
        var labels = Read("call_id,is_fraud,scheme\r\nc-1,1,tech_support\r\n");
        Assert.Equal(new CallLabel(true, "tech_support", null), labels["c-1"]);
    }

    [Fact]
    public void Reads_rfc4180_quoted_fields_with_commas_quotes_and_line_breaks()
    {
        var labels = Read("scheme,\"call_id\",is_fraud,campaign\n\"robocall_burst\",\"c,1\",1,\"say \"\"hi\"\"\nthere\"\nlegit_alerts,c-2,0,\"\"");
        Assert.Equal(new CallLabel(true, "robocall_burst", "say \"hi\"\nthere"), labels["c,1"]);
        Assert.Equal(new CallLabel(false, "legit_alerts", null), labels["c-2"]);
    }

    [Fact]
    public void Rejects_is_fraud_other_than_0_or_1_naming_the_line()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read("call_id,is_fraud,scheme\nc-1,0,a\nc-2,yes,b\n"));
        Assert.Equal("labels.csv:3: is_fraud must be 0 or 1", ex.Message);
    }

    [Fact]
    public void Rejects_a_header_without_scheme()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read("call_id,is_fraud\nc-1,0\n"));
        Assert.Equal("labels.csv: the header has no 'scheme' column", ex.Message);
    }

    [Fact]
    public void Rejects_an_unclosed_quote()
    {
        Assert.Throws<InvalidDataException>(() => Read("call_id,is_fraud,scheme\n\"c-1,0,a\n"));
    }

    [Fact]
    public void Rejects_a_duplicate_call_id()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read("call_id,is_fraud,scheme\nc-1,0,a\nc-1,1,b\n"));
        Assert.Equal("labels.csv:3: call_id appears twice", ex.Message);
    }
}
