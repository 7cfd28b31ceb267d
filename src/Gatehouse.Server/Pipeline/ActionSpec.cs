using Gatehouse.Protocol;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Pipeline;

/// <summary>
/// One entry of a module's action catalogue (design rule 2, docs/architecture.md): how the request is decoded (the same record
/// for every protocol), what must be authorized (the IAM action(s), resource ARN(s) and condition keys, as
/// <see cref="AuthorizationQuery"/> values the pipeline asks the one authorizer), and the handler. Handlers never
/// authorize; a handler runs only after every query was allowed.
/// </summary>
internal sealed record ActionSpec
{
    /// <summary>The wire name (<c>SendMessage</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The IAM actions it can be authorized as, for the catalogue check (<c>sqs:SendMessage</c>); empty
    /// for actions that need no permission (<c>sts:GetCallerIdentity</c>).</summary>
    public required IReadOnlyList<string> IamActions { get; init; }

    /// <summary>Step 3: the request record, or the AWS validation error.</summary>
    public required Func<IRequestReader, object> Decode { get; init; }

    /// <summary>Between steps 3 and 4: reads what the authorization queries and the handler look up and this node
    /// may not hold yet (a queue created through another node of a cluster a moment ago); null when there is
    /// nothing to read.</summary>
    public Func<ActionContext, object, Task>? Prepare { get; init; }

    /// <summary>Step 4: the authorization queries, in order; the first refused one ends the request. May throw
    /// the service's error where AWS refuses before evaluating policies.</summary>
    public required Func<ActionContext, object, IEnumerable<AuthorizationQuery>> Authorize { get; init; }

    /// <summary>Step 5: does the work; returns the result writer, or null for actions without output.</summary>
    public required Func<ActionContext, object, Task<Action<IResponseWriter>?>> Handle { get; init; }

    /// <summary>The error for a refused query, when it is not the service's plain AccessDenied with the
    /// authorizer's message (SQS GetQueueUrl hides the queue; STS names no reason).</summary>
    public Func<ActionContext, object, AuthorizationQuery, AuthorizationDecision, AwsError>? Denied { get; init; }

    /// <summary>Overrides <see cref="ServiceModule.AllowsAnonymous"/> for this action (the unsigned health check).</summary>
    public bool? AllowsAnonymous { get; init; }

    /// <summary>A typed entry: the decode, authorize and handle steps of one request record type.</summary>
    public static ActionSpec Define<TRequest>(
        string name,
        IReadOnlyList<string> iamActions,
        Func<IRequestReader, TRequest> decode,
        Func<ActionContext, TRequest, IEnumerable<AuthorizationQuery>> authorize,
        Func<ActionContext, TRequest, Task<Action<IResponseWriter>?>> handle)
        where TRequest : notnull =>
        new()
        {
            Name = name,
            IamActions = iamActions,
            Decode = r => decode(r),
            Authorize = (c, r) => authorize(c, (TRequest)r),
            Handle = (c, r) => handle(c, (TRequest)r),
        };
}
