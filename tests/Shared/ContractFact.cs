using Xunit.Abstractions;
using Xunit.Sdk;

namespace Gatehouse.Tests.Shared;

/// <summary>
/// A fact of a suite written once as an abstract class and run over several stores through derived classes (design
/// rule 8, docs/architecture.md). In a derived class marked <see cref="NeedsPostgresAttribute"/> it is skipped as a
/// <see cref="PostgresFactAttribute"/> is: with a clear message when no server is configured, never under CI=true.
/// </summary>
[XunitTestCaseDiscoverer("Gatehouse.Tests.Shared.ContractFactDiscoverer", TestAssembly.Name)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>A theory of such a suite: see <see cref="ContractFactAttribute"/>.</summary>
[XunitTestCaseDiscoverer("Gatehouse.Tests.Shared.ContractTheoryDiscoverer", TestAssembly.Name)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractTheoryAttribute : TheoryAttribute;

/// <summary>Marks a test class whose contract facts and theories need PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        ContractSkip.Reason(testMethod) is { } reason
            ? [ContractSkip.Skipped(DiagnosticMessageSink, discoveryOptions, testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

public sealed class ContractTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        ContractSkip.Reason(testMethod) is { } reason
            ? [ContractSkip.Skipped(DiagnosticMessageSink, discoveryOptions, testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

internal static class ContractSkip
{
    public static string? Reason(ITestMethod testMethod) =>
        testMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() ? PostgresTestServer.SkipReason : null;

    public static IXunitTestCase Skipped(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, string reason) =>
        new XunitSkippedDataRowTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testMethod, reason);
}
