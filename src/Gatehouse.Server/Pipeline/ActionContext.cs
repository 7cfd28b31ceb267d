using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Pipeline;

/// <summary>One authenticated request on its way through steps 3–6: the module and action it was routed to, who
/// calls, the region of the credential scope, and the request facts that global condition keys are made of.</summary>
/// <param name="Json">The request came in a JSON protocol (else a Query protocol).</param>
/// <param name="UrlBase">The scheme and host the client used (or the advertised URL): queue URLs are built from it.</param>
internal sealed record ActionContext(
    HttpContext Http,
    ServiceModule Module,
    string Action,
    Principal Caller,
    string Region,
    RequestFacts Facts,
    bool Json,
    string UrlBase)
{
    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>An authorization query of this module's service, carrying this request's facts.</summary>
    public AuthorizationQuery Query(
        string iamAction,
        string resourceArn,
        string resourceAccount,
        string? resourcePolicy = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null,
        IReadOnlyDictionary<string, string>? resourceTags = null,
        bool managesResourcePolicyOnly = false) =>
        new(Module.Name, Caller, iamAction, resourceArn, resourceAccount, resourcePolicy, context, resourceTags, Facts, managesResourcePolicyOnly);
}
