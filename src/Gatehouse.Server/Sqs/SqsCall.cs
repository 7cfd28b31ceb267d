using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Sqs;

/// <summary>One SQS request on its way through the pipeline: who calls, the decoded request and the service.</summary>
internal sealed record SqsCall(SqsService Service, SqsCaller Caller, HttpContext Http)
{
    public CancellationToken Aborted => Http.RequestAborted;

    public QueueRecord Queue(string? url) => Service.ResolveQueue(Caller, url);
}
