Console.WriteLine("policy benchmarks: not yet written");
