using System.Buffers;
using System.Text;
using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Server.Sqs;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Sqs;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.Server;

/// <summary>
/// The one request path (design: "one readable method"). Every request goes through these steps in order:
/// 1. route (service, protocol, action), 2. authenticate, 3. decode, 4. authorize, 5. handle, 6. encode.
/// Errors at any step are rendered in the protocol the request came in.
/// </summary>
internal sealed class RequestPipeline(
    SqsService sqs,
    Authenticator authenticator,
    IAuthorizer authorizer,
    Services.Authorization.Authorizer decisions,
    IEnumerable<IQueryApi> queryApis,
    GatehouseOptions options,
    TimeProvider time,
    ILogger<RequestPipeline> log)
{
    public const string Version = "0.1.0";
    public const string SqsXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";
    private const string JsonContentType = "application/x-amz-json-1.0";
    private readonly long _startedAt = time.GetTimestamp();

    private static readonly AwsError MissingAuthenticationToken = new(
        "com.amazon.coral.service#MissingAuthenticationTokenException", "MissingAuthenticationToken", 403,
        "Request is missing Authentication Token");

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = NewRequestId();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        if (http.Request.Path.StartsWithSegments("/_gatehouse/health", StringComparison.Ordinal))
        {
            await WriteHealthAsync(http);
            return;
        }

        if (http.Request.Path.StartsWithSegments("/_gatehouse/decisions", StringComparison.Ordinal))
        {
            // The most recent authorization decisions with their reasons (read-only diagnostics).
            http.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(http.Response.Body, decisions.Log.Recent(200).Select(d => new
            {
                time = d.Time,
                principal = d.Principal,
                action = d.Action,
                resource = d.Resource,
                decision = d.Decision.ToString(),
                decidedBy = d.DecidingPolicyType.ToString(),
                statements = d.DecidingStatements,
                refused = d.Refused,
                message = d.Message,
                explanation = d.Explanation,
            }));
            return;
        }

        var target = http.Request.Headers["X-Amz-Target"].FirstOrDefault();
        var json = target is not null;
        string? action = null;
        try
        {
            // 1. Route: the JSON protocol names the operation in X-Amz-Target; the Query protocol in Action=.
            var body = await ReadBodyAsync(http);
            IRequestReader reader;
            if (json)
            {
                if (!target!.StartsWith("AmazonSQS.", StringComparison.Ordinal))
                {
                    throw new AwsErrorException(CommonErrors.UnknownOperation() with { Message = $"Unknown operation {target}.", HttpStatus = 400 });
                }

                action = target["AmazonSQS.".Length..];
                var contentType = http.Request.ContentType ?? "";
                if (!contentType.StartsWith("application/x-amz-json", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AwsErrorException(CommonErrors.UnsupportedMediaType(http.Request.ContentType));
                }

                reader = JsonRequestReader.Parse(body);
            }
            else
            {
                var parameters = QueryParameters(http, body);
                if (!parameters.TryGetValue("Action", out action) || string.IsNullOrEmpty(action))
                {
                    if (parameters.Count == 0)
                    {
                        // AWS answers a bare GET of a queue URL with a 404 UnknownOperationException document, in XML
                        // whatever the Accept header says (wire reference §1.2).
                        http.Response.StatusCode = 404;
                        http.Response.ContentType = "text/xml";
                        await http.Response.WriteAsync("<UnknownOperationException/>");
                        return;
                    }

                    throw new AwsErrorException(CommonErrors.MissingParameter("Action"));
                }

                if (FindQueryApi(http, parameters) is { } api)
                {
                    await HandleQueryApiAsync(http, api, action, parameters, body, requestId);
                    return;
                }

                var queuePath = QueuePath(http);
                if (queuePath is not null)
                {
                    if (action is "CreateQueue" or "ListQueues")
                    {
                        throw new AwsErrorException(CommonErrors.InvalidAction(action));
                    }

                    parameters.TryAdd("QueueUrl", UrlBase(http) + queuePath);
                }

                reader = new QueryRequestReader(parameters);
            }

            if (!SqsActions.All.TryGetValue(action, out var sqsAction))
            {
                throw new AwsErrorException(CommonErrors.InvalidAction(action));
            }

            // 2. Authenticate: SigV4 → the calling principal and the region of its credential scope.
            var (principal, signedRegion) = await authenticator.AuthenticateAsync(http, body, "sqs");
            var region = signedRegion ?? options.DefaultRegion;
            // Anonymous callers address queues by URL; what they may do is the queue policy's to say.
            var account = principal.Kind == PrincipalKind.Anonymous ? options.AccountId : principal.AccountId;
            var caller = new SqsCaller(account, region, principal.UserId, UrlBase(http), QueryProtocol: !json);

            // 3. Decode.
            var request = sqsAction.Decode(reader);

            // 4. Authorize: the IAM action(s) the catalogue names, on the queue's ARN, through the one door.
            await SqsAuthorization.AuthorizeAsync(authorizer, sqs, sqsAction, request, caller, principal, Facts(http, region), http.RequestAborted);

            // 5. Handle.
            var write = await sqsAction.Handle(new SqsCall(sqs, caller, http), request);

            // 6. Encode.
            await WriteSuccessAsync(http, json, action, requestId, write);
        }
        catch (AwsErrorException ex)
        {
            await WriteErrorAsync(http, json, requestId, ex.Error);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogError(ex, "Request {RequestId} ({Action}) failed", requestId, action);
            await WriteErrorAsync(http, json, requestId, CommonErrors.InternalFailure());
        }
    }

    /// <summary>Global condition-key facts: the client address (<c>X-Forwarded-For</c> is believed only from a
    /// configured trusted proxy), whether the connection is HTTPS, the requested region.</summary>
    private RequestFacts Facts(HttpContext http, string region)
    {
        var ip = http.Connection.RemoteIpAddress;
        var source = ip?.IsIPv4MappedToIPv6 == true ? ip.MapToIPv4().ToString() : ip?.ToString();
        if (source is not null && options.TrustedProxies.Contains(source)
            && http.Request.Headers["X-Forwarded-For"].FirstOrDefault() is { Length: > 0 } forwarded)
        {
            // The nearest address not itself a trusted proxy is the client.
            foreach (var hop in forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                source = hop;
                if (!options.TrustedProxies.Contains(hop))
                {
                    break;
                }
            }
        }

        return new RequestFacts(source, http.Request.IsHttps, region, http.Request.Headers.UserAgent.FirstOrDefault());
    }

    /// <summary>The control-plane API a Query request is for: by the service of its credential scope, else by its
    /// <c>Version</c> when that is not SQS's.</summary>
    private IQueryApi? FindQueryApi(HttpContext http, Dictionary<string, string> parameters)
    {
        var credential = http.Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.IndexOf("Credential=", StringComparison.Ordinal) is var i and >= 0
            ? auth[(i + "Credential=".Length)..].Split(',', 2)[0]
            : parameters.GetValueOrDefault("X-Amz-Credential");
        var scope = credential?.Split('/');
        var signingName = scope is { Length: 5 } ? scope[3] : null;
        foreach (var api in queryApis)
        {
            if (signingName is not null ? signingName == api.SigningName : parameters.GetValueOrDefault("Version") == api.Version)
            {
                return api;
            }
        }

        return null;
    }

    /// <summary>Steps 2–6 for IAM and STS: authenticate, then the API decodes, authorizes and handles.</summary>
    private async Task HandleQueryApiAsync(HttpContext http, IQueryApi api, string action, Dictionary<string, string> parameters, ReadOnlyMemory<byte> body, string requestId)
    {
        try
        {
            var (principal, region) = await authenticator.AuthenticateAsync(http, body, api.SigningName);
            if (principal.Kind == PrincipalKind.Anonymous)
            {
                throw new AwsErrorException(MissingAuthenticationToken);
            }

            var write = await api.HandleAsync(new ControlPlaneCall(principal, region ?? options.DefaultRegion, http), action, new QueryRequestReader(parameters));
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/xml";
            await http.Response.WriteAsync(XmlResponseWriter.Render(action, api.XmlNamespace, requestId, write));
        }
        catch (AwsErrorException ex)
        {
            http.Response.StatusCode = ex.Error.HttpStatus;
            http.Response.ContentType = "text/xml";
            await http.Response.WriteAsync(XmlResponseWriter.RenderError(ex.Error, api.XmlNamespace, requestId));
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http)
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

    /// <summary>Query parameters from the URL and, for form posts, the body (the body wins).</summary>
    private static Dictionary<string, string> QueryParameters(HttpContext http, ReadOnlyMemory<byte> body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in QueryHelpers.ParseQuery(http.Request.QueryString.Value))
        {
            parameters[k] = v.ToString();
        }

        if (!body.IsEmpty)
        {
            foreach (var (k, v) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body.Span)))
            {
                parameters[k] = v.ToString();
            }
        }

        return parameters;
    }

    /// <summary>"/account/name" when the request was sent to a queue URL.</summary>
    private static string? QueuePath(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 ? "/" + parts[0] + "/" + parts[1] : null;
    }

    private string UrlBase(HttpContext http) =>
        options.AdvertisedUrl ?? $"{http.Request.Scheme}://{http.Request.Host.Value}";

    private static async Task WriteSuccessAsync(HttpContext http, bool json, string action, string requestId, Action<IResponseWriter>? write)
    {
        http.Response.StatusCode = 200;
        if (json)
        {
            http.Response.ContentType = JsonContentType;
            using var writer = new JsonResponseWriter();
            write?.Invoke(writer);
            var body = writer.Finish();
            http.Response.ContentLength = body.Length;
            await http.Response.Body.WriteAsync(body);
        }
        else
        {
            if (http.Request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true))
            {
                // A Query request that accepts JSON gets the Query response's structure rendered as JSON (§1.2).
                http.Response.ContentType = "application/json";
                using var writer = new JsonResponseWriter();
                write?.Invoke(writer);
                var result = Encoding.UTF8.GetString(writer.Finish().Span);
                var doc = $"{{\"{action}Response\":{{\"{action}Result\":{result},\"ResponseMetadata\":{{\"RequestId\":\"{requestId}\"}}}}}}";
                await http.Response.WriteAsync(doc);
                return;
            }

            http.Response.ContentType = "text/xml";
            var xml = Encoding.UTF8.GetBytes(XmlResponseWriter.Render(action, SqsXmlNamespace, requestId, write));
            http.Response.ContentLength = xml.Length;
            await http.Response.Body.WriteAsync(xml);
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, bool json, string requestId, AwsError error)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = error.HttpStatus;
        byte[] body;
        if (json)
        {
            http.Response.ContentType = JsonContentType;
            http.Response.Headers["x-amzn-query-error"] = $"{error.QueryCode};{(error.SenderFault ? "Sender" : "Receiver")}";
            body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = error.JsonType, ["message"] = error.Message });
        }
        else
        {
            http.Response.ContentType = "text/xml";
            body = Encoding.UTF8.GetBytes(XmlResponseWriter.RenderError(error, SqsXmlNamespace, requestId));
        }

        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body);
    }

    private async Task WriteHealthAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, new Dictionary<string, object>
        {
            ["status"] = "ok",
            ["version"] = Version,
            ["store"] = sqs.StoreDescription,
            ["uptimeSeconds"] = (long)time.GetElapsedTime(_startedAt).TotalSeconds,
            ["account"] = options.AccountId,
            ["enforcement"] = options.Enforcement.ToString().ToLowerInvariant(),
        });
    }

    /// <summary>A UUID with the third group starting with 5, the shape every real SQS request id has (wire
    /// reference §4.15).</summary>
    private static string NewRequestId() => Gatehouse.Services.Uuids.New(5);
}
