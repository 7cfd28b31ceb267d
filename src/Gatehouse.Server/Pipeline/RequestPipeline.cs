using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Pipeline;

/// <summary>
/// The one request path (docs/architecture.md). Every request of every service goes through these steps in order:
/// 1. route (module, protocol, action), 2. authenticate (SigV4 with the module's signing name), 3. decode,
/// 4. authorize (every query the action names, through the one authorizer), 5. handle, 6. encode. Errors at any
/// step are rendered by the protocol the request came in. Nothing here names a service: services are
/// <see cref="ServiceModule"/>s.
/// </summary>
internal sealed class RequestPipeline(
    ServiceRouter router,
    Authenticator authenticator,
    IAuthorizer authorizer,
    GatehouseOptions options,
    GatehouseMetrics metrics,
    TimeProvider time,
    ILoggerFactory logs,
    ILogger<RequestPipeline> log)
{
    /// <summary>The request log (<c>--request-log</c>): one line per request.</summary>
    private readonly ILogger _requestLog = logs.CreateLogger("Gatehouse.Requests");

    public const string Version = "0.1.0";

    private static readonly AwsError MissingAuthenticationToken = new(
        "com.amazon.coral.service#MissingAuthenticationTokenException", "MissingAuthenticationToken", 403,
        "Request is missing Authentication Token");

    private AwsError UnknownService(string service) => new(
        "com.amazon.coral.service#UnknownServiceException", "UnknownService", 400,
        $"Gatehouse does not serve the {service} API; it serves {string.Join(", ", router.Modules.Select(m => m.SigningName).Where(n => n != "gatehouse").Distinct().Order(StringComparer.Ordinal))}. Check the endpoint URL.");

    /// <summary>What the request log and the metrics say of one request.</summary>
    private sealed class Trace
    {
        public string Service = "unknown";
        public string Action = "unknown";
        public string Principal = "-";
        public string Outcome = "success";
    }

    public async Task HandleAsync(HttpContext http)
    {
        var started = time.GetTimestamp();
        var trace = new Trace();
        metrics.InFlight.Add(1);
        try
        {
            await HandleAsync(http, trace);
        }
        finally
        {
            metrics.InFlight.Add(-1);
            var elapsed = time.GetElapsedTime(started);
            KeyValuePair<string, object?> service = new("service", trace.Service), action = new("action", trace.Action);
            metrics.Requests.Add(1, service, action, new("outcome", trace.Outcome));
            metrics.RequestSeconds.Record(elapsed.TotalSeconds, service, action);
            if (options.RequestLog)
            {
                _requestLog.LogInformation("{Method} {Path} {Service}:{Action} by {Principal} -> {Status} {Outcome} in {Milliseconds} ms ({RequestId})",
                    http.Request.Method, http.Request.Path.Value, trace.Service, trace.Action, trace.Principal, http.Response.StatusCode, trace.Outcome,
                    Math.Round(elapsed.TotalMilliseconds, 1), http.Response.Headers["x-amzn-RequestId"].ToString());
            }
        }
    }

    private async Task HandleAsync(HttpContext http, Trace trace)
    {
        var requestId = NewRequestId();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var target = http.Request.Headers["X-Amz-Target"].FirstOrDefault();
        var protocol = router.FallbackProtocol(json: target is not null);
        string? action = null;
        try
        {
            // 1. Route: a path a module owns, the JSON target, or a Query request's credential scope / Version.
            var body = await HttpRequestParts.ReadBodyAsync(http);
            var path = http.Request.Path.Value ?? "/";
            ServiceModule module;
            IRequestReader reader;
            if (router.ByPath(path) is { } owner)
            {
                module = owner;
                protocol = module.QueryProtocol!;
                action = module.PathActions.GetValueOrDefault(path[module.PathPrefix!.Length..])
                    ?? throw new AwsErrorException(CommonErrors.UnknownOperation() with { Message = $"Unknown operation {path}." });
                reader = new QueryRequestReader(HttpRequestParts.QueryParameters(http, ReadOnlyMemory<byte>.Empty));
            }
            else if (HttpRequestParts.SigningName(http, HttpRequestParts.QueryParameters(http, ReadOnlyMemory<byte>.Empty)) is { } signedFor
                && !router.Serves(signedFor))
            {
                // A request for a service Gatehouse does not serve (aws s3 ls against this endpoint): say so, in an
                // error document every SDK parses, instead of a bare 404 the CLI shows as an empty error.
                throw new AwsErrorException(UnknownService(signedFor));
            }
            else if (target is not null)
            {
                module = router.ByTarget(target)
                    ?? throw new AwsErrorException(CommonErrors.UnknownOperation() with { Message = $"Unknown operation {target}.", HttpStatus = 400 });
                protocol = module.JsonProtocol!;
                action = target[module.JsonTargetPrefix!.Length..];
                var contentType = http.Request.ContentType ?? "";
                if (!contentType.StartsWith("application/x-amz-json", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AwsErrorException(CommonErrors.UnsupportedMediaType(http.Request.ContentType));
                }

                reader = JsonRequestReader.Parse(body);
            }
            else
            {
                var parameters = HttpRequestParts.QueryParameters(http, body);
                if (!parameters.TryGetValue("Action", out action) || string.IsNullOrEmpty(action))
                {
                    if (parameters.Count == 0)
                    {
                        // AWS answers a bare GET of a queue URL with a 404 UnknownOperationException document, in XML
                        // whatever the Accept header says (docs/architecture.md, "Wire protocols").
                        http.Response.StatusCode = 404;
                        http.Response.ContentType = "text/xml";
                        await http.Response.WriteAsync("<UnknownOperationException/>");
                        return;
                    }

                    throw new AwsErrorException(CommonErrors.MissingParameter("Action"));
                }

                module = router.ForQuery(HttpRequestParts.SigningName(http, parameters), parameters.GetValueOrDefault("Version"))
                    ?? throw new AwsErrorException(CommonErrors.InvalidAction(action));
                protocol = module.QueryProtocol!;
                module.PrepareQuery?.Invoke(http, action, parameters);
                reader = new QueryRequestReader(parameters);
            }

            trace.Service = module.Name;
            trace.Action = module.Actions.ContainsKey(action) ? action : "unknown";
            if (!module.Actions.TryGetValue(action, out var spec)
                || (http.Features.Get<VpcEndpointArrival>() is { } endpoint && endpoint.Service != module.Name))
            {
                // An endpoint reaches only its own service.
                throw new AwsErrorException(CommonErrors.InvalidAction(action));
            }

            // 2. Authenticate: SigV4 with the module's signing name → the calling principal and its region.
            var (principal, signedRegion) = await authenticator.AuthenticateAsync(http, body, module.SigningName);
            if (principal.Kind == PrincipalKind.Anonymous && !(spec.AllowsAnonymous ?? module.AllowsAnonymous))
            {
                throw new AwsErrorException(MissingAuthenticationToken);
            }

            trace.Principal = principal.Kind == PrincipalKind.Anonymous ? "anonymous" : principal.Arn;
            var region = signedRegion ?? options.DefaultRegion;
            var context = new ActionContext(http, module, action, principal, region, Facts(http, region, requestId),
                protocol.Format == WireFormat.Json, UrlBase(http));

            // 3. Decode (and read what this node may not hold yet).
            var request = spec.Decode(reader);
            if (spec.Prepare is { } prepare)
            {
                await prepare(context, request);
            }

            // 4. Authorize: every query the action names, through the one door; the first refusal ends the request.
            foreach (var query in spec.Authorize(context, request))
            {
                var decision = await authorizer.AuthorizeAsync(query, http.RequestAborted);
                if (decision.Refused)
                {
                    throw new AwsErrorException(spec.Denied?.Invoke(context, request, query, decision) ?? CommonErrors.AccessDenied(decision.Message!));
                }
            }

            // 5. Handle.
            var write = await spec.Handle(context, request);

            // 6. Encode.
            await WriteAsync(http, protocol.Success(action, requestId, write, http.Request.Headers.Accept.ToString()));
        }
        catch (AwsErrorException ex)
        {
            trace.Outcome = ex.Error.QueryCode;
            await WriteErrorAsync(http, protocol, requestId, ex.Error);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            trace.Outcome = "ClientClosed";
            // The client went away.
        }
        catch (BadHttpRequestException ex)
        {
            // A client fault at the HTTP layer (malformed chunked encoding, a body cut short, a body slower than the
            // minimum rate): a 4xx in the protocol's shape, logged without a stack trace.
            trace.Outcome = "MalformedHttpRequest";
            log.LogInformation("Request {RequestId}: bad HTTP request ({Status}): {Reason}", requestId, ex.StatusCode, ex.Message);
            await WriteErrorAsync(http, protocol, requestId, ex.StatusCode == StatusCodes.Status408RequestTimeout
                ? CommonErrors.RequestTimeout()
                : CommonErrors.MalformedHttpRequest(ex.StatusCode));
        }
        catch (Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            // The client reset the connection mid-request.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            trace.Outcome = "InternalFailure";
            log.LogError(ex, "Request {RequestId} ({Action}) failed", requestId, action);
            await WriteErrorAsync(http, protocol, requestId, CommonErrors.InternalFailure());
        }
    }

    /// <summary>Global condition-key facts, gathered once for every service: the client address
    /// (<c>X-Forwarded-For</c> is believed only from a configured trusted proxy), whether the connection is HTTPS,
    /// the requested region, the user agent and the request id.</summary>
    private RequestFacts Facts(HttpContext http, string region, string requestId)
    {
        var ip = http.Connection.RemoteIpAddress;
        var source = ip?.IsIPv4MappedToIPv6 == true ? ip.MapToIPv4().ToString() : ip?.ToString();
        if (http.Features.Get<VpcEndpointArrival>() is { } endpoint)
        {
            // Through a VPC endpoint: aws:SourceVpce and aws:VpcSourceIp, and no aws:SourceIp (IAM user guide,
            // "AWS global condition context keys"). aws:SourceVpc is the endpoint's VPC, added by the authorizer.
            return new RequestFacts(null, http.Request.IsHttps, region, http.Request.Headers.UserAgent.FirstOrDefault(), requestId,
                SourceVpce: endpoint.VpcEndpointId, VpcSourceIp: source);
        }

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

        return new RequestFacts(source, http.Request.IsHttps, region, http.Request.Headers.UserAgent.FirstOrDefault(), requestId);
    }

    /// <summary>Queue URLs a client gets through a VPC endpoint lead back through that endpoint.</summary>
    private string UrlBase(HttpContext http) =>
        (http.Features.Get<VpcEndpointArrival>() is null ? options.AdvertisedUrl : null) ?? $"{http.Request.Scheme}://{http.Request.Host.Value}";

    private async Task WriteAsync(HttpContext http, WireResponse response)
    {
        try
        {
            http.Response.StatusCode = response.Status;
            http.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers)
            {
                http.Response.Headers[name] = value;
            }

            http.Response.ContentLength = response.Body.Length;

            // Kestrel holds at most its response buffer (MaxResponseBufferSize) beyond what the socket took; the
            // deadline bounds how long a client that does not read keeps the rest of the body alive.
            var deadline = options.ResponseWriteGrace + TimeSpan.FromSeconds((double)response.Body.Length / Math.Max(1, options.ResponseMinBytesPerSecond));
            using var timeout = new CancellationTokenSource(deadline);
            try
            {
                await http.Response.Body.WriteAsync(response.Body, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                http.Abort();
            }
        }
        finally
        {
            response.Owner?.Dispose();
        }
    }

    private async Task WriteErrorAsync(HttpContext http, IWireProtocol protocol, string requestId, AwsError error)
    {
        if (!http.Response.HasStarted)
        {
            await WriteAsync(http, protocol.Error(error, requestId));
        }
    }

    /// <summary>A UUID with the third group starting with 5, the shape every real SQS request id has
    /// (docs/architecture.md, "Wire protocols").</summary>
    private static string NewRequestId() => Gatehouse.Services.Uuids.New(5);
}
