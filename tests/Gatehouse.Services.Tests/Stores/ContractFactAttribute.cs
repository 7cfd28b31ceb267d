using Gatehouse.Tests.Shared;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>A test of a store contract (an abstract class run once per implementation). In a class marked
/// <see cref="NeedsPostgresAttribute"/> it is skipped, as a <see cref="PostgresFactAttribute"/> is, when no
/// PostgreSQL server is configured.</summary>
[XunitTestCaseDiscoverer("Gatehouse.Services.Tests.Stores.ContractFactDiscoverer", "Gatehouse.Services.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>Marks a contract implementation that runs over PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        if (testMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() && PostgresTestServer.SkipReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
        }

        return base.Discover(discoveryOptions, testMethod, factAttribute);
    }
}

/// <summary>A theory of a store contract: see <see cref="ContractFactAttribute"/>.</summary>
[XunitTestCaseDiscoverer("Gatehouse.Services.Tests.Stores.ContractTheoryDiscoverer", "Gatehouse.Services.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractTheoryAttribute : TheoryAttribute;

public sealed class ContractTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        if (testMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() && PostgresTestServer.SkipReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
        }

        return base.Discover(discoveryOptions, testMethod, theoryAttribute);
    }
}
