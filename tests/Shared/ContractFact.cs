using Xunit.Abstractions;
using Xunit.Sdk;

namespace Gatehouse.Tests.Shared;

/// <summary>
/// A fact of a suite written once as an abstract class and run over several stores through derived classes. In a
/// derived class marked <see cref="NeedsPostgresAttribute"/> it skips exactly as <see cref="PostgresFactAttribute"/>
/// does: with a clear message when no server is configured, never under CI=true.
/// </summary>
[XunitTestCaseDiscoverer("Gatehouse.Tests.Shared.ContractFactDiscoverer", TestAssembly.Name)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>Marks a test class whose contract facts need PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new ContractTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(sink, display, options, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() && PostgresTestServer.SkipReason is { } reason
            ? reason
            : base.GetSkipReason(factAttribute);
}
