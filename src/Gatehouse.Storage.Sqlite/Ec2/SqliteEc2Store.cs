using Gatehouse.Services.Ec2;

namespace Gatehouse.Storage.Sqlite.Ec2;

/// <summary>
/// <see cref="IEc2Store"/> in its own SQLite file (<c>ec2.db</c> beside the queue database): VPCs, subnets and VPC
/// endpoints, one row each. Changes are rare, so each is its own fsynced transaction.
/// </summary>
public sealed class SqliteEc2Store : IEc2Store
{
    private readonly JsonRowFile _file;

    private SqliteEc2Store(JsonRowFile file) => _file = file;

    public string Description => _file.Description;

    public static SqliteEc2Store Open(string path) => new(JsonRowFile.Open(path, "ec2_meta", "ec2_objects", "id"));

    public IReadOnlyList<Ec2Row> LoadAll() => [.. _file.LoadAll().Select(r => new Ec2Row(r.Kind, r.Key, r.Json))];

    public void Put(string kind, string id, string json) => _file.Put(kind, id, json);

    public void Delete(string kind, string id) => _file.Delete(kind, id);

    public void Dispose() => _file.Dispose();
}
