using System.Buffers;
using Gatehouse.Protocol;

namespace Gatehouse.Server.Pipeline;

/// <summary>The raw parts of an HTTP request the pipeline reads before it knows the service: the body (bounded),
/// the Query parameters and the credential scope's service.</summary>
internal static class HttpRequestParts
{
    /// <summary>The whole body, refused with <c>RequestEntityTooLarge</c> past <see cref="GatehouseApp.MaxRequestBytes"/>
    /// before more is read.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > GatehouseApp.MaxRequestBytes)
        {
            throw new AwsErrorException(CommonErrors.RequestEntityTooLarge(GatehouseApp.MaxRequestBytes));
        }

        var reader = http.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(http.RequestAborted);
            if (result.Buffer.Length > GatehouseApp.MaxRequestBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw new AwsErrorException(CommonErrors.RequestEntityTooLarge(GatehouseApp.MaxRequestBytes));
            }

            if (result.IsCompleted)
            {
                var bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Query parameters from the URL and, for form posts, the body (the body wins), parsed strictly
    /// (<see cref="FormParameters"/>).</summary>
    public static Dictionary<string, string> QueryParameters(HttpContext http, ReadOnlyMemory<byte> body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        FormParameters.Parse(http.Request.QueryString.Value, parameters);
        if (!body.IsEmpty)
        {
            FormParameters.Parse(body.Span, parameters);
        }

        return parameters;
    }

    /// <summary>The service named in the SigV4 credential scope (<c>AKID/date/region/service/aws4_request</c>) of the
    /// Authorization header or the presigned <c>X-Amz-Credential</c>; null when the request is unsigned.</summary>
    public static string? SigningName(HttpContext http, IReadOnlyDictionary<string, string> parameters)
    {
        var credential = http.Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.IndexOf("Credential=", StringComparison.Ordinal) is var i and >= 0
            ? auth[(i + "Credential=".Length)..].Split(',', 2)[0]
            : parameters.GetValueOrDefault("X-Amz-Credential");
        var scope = credential?.Split('/');
        return scope is { Length: 5 } ? scope[3] : null;
    }
}
