using Gatehouse.Protocol;

namespace Gatehouse.Server.Sqs;

/// <summary>
/// One entry of the SQS action catalogue (design rule 2, docs/architecture.md): the IAM action it is authorized as, how a request is
/// read (both protocols through <see cref="IRequestReader"/>), and the handler, which returns the response
/// writer or null for actions without output.
/// </summary>
internal sealed record SqsAction(
    string Name,
    string IamAction,
    bool AccountLevel,
    Func<IRequestReader, object> Decode,
    Func<SqsCall, object, Task<Action<IResponseWriter>?>> Handle)
{
    public static SqsAction Define<TRequest>(
        string name,
        string iamAction,
        Func<IRequestReader, TRequest> decode,
        Func<SqsCall, TRequest, Task<Action<IResponseWriter>?>> handle,
        bool accountLevel = false)
        where TRequest : notnull =>
        new(name, iamAction, accountLevel, r => decode(r), (call, req) => handle(call, (TRequest)req));
}
