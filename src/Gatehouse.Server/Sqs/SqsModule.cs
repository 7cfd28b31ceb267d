using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Sqs;

/// <summary>
/// SQS as a service module: AWS JSON 1.0 (<c>AmazonSQS.*</c>, with <c>x-amzn-query-error</c>) and the Query protocol
/// (<c>Version=2012-11-05</c>, also at queue URLs), signing name <c>sqs</c>. Anonymous requests go on: a queue
/// policy may allow them. The actions are <see cref="SqsActions"/>; their authorization is <see cref="SqsAuthorization"/>.
/// </summary>
internal static class SqsModule
{
    public const string XmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

    public static ServiceModule Create(SqsService sqs, GatehouseOptions options, KmsService kms) => new()
    {
        Name = "sqs",
        SigningName = "sqs",
        JsonTargetPrefix = "AmazonSQS.",
        JsonProtocol = AwsJsonProtocol.V10QueryCompatible,
        QueryVersion = "2012-11-05",
        QueryProtocol = new AwsQueryProtocol(XmlNamespace, jsonWhenAccepted: true),
        ClaimsUnmatchedQuery = true,
        AllowsAnonymous = true,
        PrepareQuery = (http, action, parameters) => PrepareQuery(http, action, parameters, options),
        Actions = SqsActions.All.Values.ToDictionary(a => a.Name, a => Spec(a, sqs, options, kms), StringComparer.Ordinal),
    };

    /// <summary>A Query request sent to a queue URL addresses that queue: its <c>QueueUrl</c> is the URL, and the
    /// account-level actions are not valid there.</summary>
    private static void PrepareQuery(HttpContext http, string action, Dictionary<string, string> parameters, GatehouseOptions options)
    {
        var parts = (http.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return;
        }

        if (action is "CreateQueue" or "ListQueues")
        {
            throw new AwsErrorException(CommonErrors.InvalidAction(action));
        }

        var urlBase = options.AdvertisedUrl ?? $"{http.Request.Scheme}://{http.Request.Host.Value}";
        parameters.TryAdd("QueueUrl", $"{urlBase}/{parts[0]}/{parts[1]}");
    }

    private static ActionSpec Spec(SqsAction action, SqsService sqs, GatehouseOptions options, KmsService kms) => new()
    {
        Name = action.Name,
        IamActions = [action.IamAction, .. action.Name == "CreateQueue" ? ["sqs:TagQueue"] : Array.Empty<string>()],
        Decode = action.Decode,
        // Only a store other nodes write may hold a queue this node has not heard of.
        Prepare = sqs.SharesQueues ? (c, request) => LearnQueuesAsync(c, sqs, request, options) : null,
        Authorize = (c, request) => Queries(c, sqs, action, request, options, kms),
        Handle = (c, request) => action.Handle(new SqsCall(sqs, Caller(c, options) with { DataKey = SqsSse.DataKey(c) }, c.Http), request),
        // A refused KMS query is SQS's KMS.AccessDeniedException with KMS's message (SqsKmsErrors).
        Denied = (c, request, query, decision) => query.Service == "kms"
            ? SqsKmsErrors.AccessDenied(decision.Message!, options.LegacyKmsAccessDeniedMessage)
            : SqsAuthorization.DeniedError(request, decision, !c.Json),
    };

    /// <summary>Looks up the queues the request names that this node does not hold (<see cref="SqsService.LearnQueueAsync"/>:
    /// one created through another node a moment ago). Not for anonymous callers: a request nobody signed does not
    /// get to make the node query its database for names it does not know.</summary>
    private static async Task LearnQueuesAsync(ActionContext c, SqsService sqs, object request, GatehouseOptions options)
    {
        if (c.Caller.Kind == PrincipalKind.Anonymous)
        {
            return;
        }

        foreach (var (account, region, name) in SqsAuthorization.QueuesNamed(request, Caller(c, options)))
        {
            await sqs.LearnQueueAsync(account, region, name, c.Http.RequestAborted);
        }
    }

    /// <summary>The SQS queries, then, for encrypted queues, the transport rule and the KMS queries (SqsSse).</summary>
    private static IEnumerable<AuthorizationQuery> Queries(ActionContext c, SqsService sqs, SqsAction action, object request, GatehouseOptions options, KmsService kms)
    {
        var caller = Caller(c, options);
        foreach (var query in SqsAuthorization.Queries(c, sqs, action, request, caller))
        {
            yield return query;
        }

        if (sqs.Encryption is { } encryption)
        {
            foreach (var query in SqsSse.Queries(c, sqs, kms, encryption, request, caller, options))
            {
                yield return query;
            }
        }
    }

    /// <summary>Anonymous callers address queues by URL; what they may do is the queue policy's to say.</summary>
    private static SqsCaller Caller(ActionContext c, GatehouseOptions options) => new(
        c.Caller.Kind == PrincipalKind.Anonymous ? options.AccountId : c.Caller.AccountId,
        c.Region, c.Caller.UserId, c.UrlBase, QueryProtocol: !c.Json);
}
