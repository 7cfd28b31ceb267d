using System.Text;
using System.Xml.Linq;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;

namespace Gatehouse.Server.Tests;

/// <summary>Success and error rendering of each wire protocol, in the shapes AWS's clients parse.</summary>
public sealed class WireProtocolTests
{
    private static readonly AwsError NotFound = new("com.amazonaws.ec2#InvalidVpcID.NotFound", "InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-1' does not exist");

    private static string Text(WireResponse r) => Encoding.UTF8.GetString(r.Body.Span);

    [Fact]
    public void Ec2_query_results_have_a_request_id_and_item_lists()
    {
        var r = new Ec2QueryProtocol("http://ec2.amazonaws.com/doc/2016-11-15/").Success("DescribeVpcEndpoints", "req-1", w =>
        {
            w.List("vpcEndpointSet", "item", ["vpce-1", "vpce-2"], (x, id) => x.String("vpcEndpointId", id));
            w.StringList("subnetIdSet", "item", [], emitEmpty: true);
            w.Bool("privateDnsEnabled", true);
        }, accept: null);
        var doc = XDocument.Parse(Text(r));
        XNamespace ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
        Assert.Equal(ns + "DescribeVpcEndpointsResponse", doc.Root!.Name);
        Assert.Equal("req-1", doc.Root.Element(ns + "requestId")!.Value);
        Assert.Equal(["vpce-1", "vpce-2"], doc.Root.Element(ns + "vpcEndpointSet")!.Elements(ns + "item").Select(i => i.Element(ns + "vpcEndpointId")!.Value));
        Assert.Empty(doc.Root.Element(ns + "subnetIdSet")!.Elements());
        Assert.Equal("true", doc.Root.Element(ns + "privateDnsEnabled")!.Value);
        Assert.Equal(200, r.Status);
    }

    [Fact]
    public void Ec2_query_errors_are_a_response_with_errors_and_request_id()
    {
        var r = new Ec2QueryProtocol("http://ec2.amazonaws.com/doc/2016-11-15/").Error(NotFound, "req-2");
        var doc = XDocument.Parse(Text(r));
        Assert.Equal("Response", doc.Root!.Name.LocalName);
        var error = doc.Root.Element("Errors")!.Element("Error")!;
        Assert.Equal("InvalidVpcID.NotFound", error.Element("Code")!.Value);
        Assert.Equal("The vpc ID 'vpc-1' does not exist", error.Element("Message")!.Value);
        Assert.Equal("req-2", doc.Root.Element("RequestID")!.Value);
        Assert.Equal(400, r.Status);
    }

    [Fact]
    public void Json_1_1_has_its_content_type_and_no_query_error_header()
    {
        var error = AwsJsonProtocol.V11.Error(new AwsError("NotFoundException", "NotFoundException", 400, "Key 'x' does not exist"), "req-3");
        Assert.Equal("application/x-amz-json-1.1", error.ContentType);
        Assert.Empty(error.Headers);
        Assert.Equal("""{"__type":"NotFoundException","message":"Key 'x' does not exist"}""", Text(error));
        var ok = AwsJsonProtocol.V11.Success("ListKeys", "req-4", w => w.Bool("Truncated", false), accept: null);
        Assert.Equal("""{"Truncated":false}""", Text(ok));
        ok.Owner?.Dispose();
    }

    [Fact]
    public void Json_1_0_for_sqs_sends_the_query_error_code()
    {
        var error = AwsJsonProtocol.V10QueryCompatible.Error(CommonErrors.AccessDenied("no"), "req-5");
        Assert.Equal("application/x-amz-json-1.0", error.ContentType);
        Assert.Equal(new KeyValuePair<string, string>("x-amzn-query-error", "AccessDenied;Sender"), Assert.Single(error.Headers));
    }

    [Fact]
    public void Query_errors_are_an_error_response_in_the_service_namespace()
    {
        var r = new AwsQueryProtocol("https://iam.amazonaws.com/doc/2010-05-08/").Error(CommonErrors.AccessDenied("no"), "req-6");
        var doc = XDocument.Parse(Text(r));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        Assert.Equal(ns + "ErrorResponse", doc.Root!.Name);
        Assert.Equal("AccessDenied", doc.Root.Element(ns + "Error")!.Element(ns + "Code")!.Value);
        Assert.Equal("req-6", doc.Root.Element(ns + "RequestId")!.Value);
    }
}
