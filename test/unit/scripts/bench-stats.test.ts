import {
  costByKind,
  cpuTicks,
  kindOf,
  machineLine,
  markdownTable,
  percentile,
  ratio,
  residentKiB,
  summarize,
} from '../../../scripts/bench/stats';

// A real line of /proc/<pid>/stat, with a command name holding a space and a ')'.
const statLine = (utime: number, stime: number, comm = 'node') =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194304 51234 0 12 0 ${String(utime)} ${String(stime)} 0 0 20 0 11 0 123456 1234567890 45678 18446744073709551615 1 1 0 0 0 0 0 16781312 17474 0 0 0 17 1 0 0 0 0 0`;

describe('percentile', () => {
  it('answers the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('answers the only value of one sample and NaN of none', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes latencies given in any order', () => {
    expect(summarize([30, 10, 20, 40])).toEqual({ count: 4, p50: 20, p95: 40, p99: 40, max: 40 });
  });
});

describe('CPU accounting from /proc', () => {
  it('adds utime and stime after the command name, whatever the name holds', () => {
    expect(cpuTicks(statLine(1500, 250))).toBe(1750);
    expect(cpuTicks(statLine(3, 4, 'tricky) S 9 9 (name'))).toBe(7);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => cpuTicks('hello')).toThrow('no command name');
    expect(() => cpuTicks('1 (x) S 1')).toThrow('not integers');
  });

  it('reads VmRSS from a status text', () => {
    expect(residentKiB('Name:\tpeer\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\nThreads:\t12\n')).toBe(123456);
    expect(residentKiB('Name:\tzombie\nState:\tZ\n')).toBe(0);
  });

  it('names a node by its kind', () => {
    expect(kindOf('hospital-a.peer')).toBe('peer');
    expect(kindOf('bench-insurer-93.gateway')).toBe('gateway');
  });

  it('charges each kind its CPU per committed transaction and its memory', () => {
    const before = [
      { name: 'hospital-a.peer', pid: 10, ticks: 1000, rssKiB: 0 },
      { name: 'hospital-b.peer', pid: 11, ticks: 500, rssKiB: 0 },
      { name: 'lab.statedb', pid: 12, ticks: 100, rssKiB: 0 },
    ];
    const after = [
      { name: 'hospital-a.peer', pid: 10, ticks: 1300, rssKiB: 100 * 1024 },
      { name: 'hospital-b.peer', pid: 11, ticks: 700, rssKiB: 50 * 1024 },
      // Restarted during the run: another PID, counted from zero.
      { name: 'lab.statedb', pid: 99, ticks: 40, rssKiB: 1024 },
    ];
    const costs = costByKind(before, after, 50, 100);
    expect(costs).toEqual([
      { kind: 'peer', processes: 2, cpuSeconds: 5, cpuMsPerTx: 100, rssMiB: 150 },
      { kind: 'statedb', processes: 1, cpuSeconds: 0.4, cpuMsPerTx: 8, rssMiB: 1 },
    ]);
  });

  it('answers no CPU per transaction when none committed', () => {
    const [only] = costByKind([], [{ name: 'a.orderer', pid: 1, ticks: 100, rssKiB: 0 }], 0, 100);
    expect(only?.cpuSeconds).toBe(1);
    expect(only?.cpuMsPerTx).toBeNaN();
  });
});

describe('tables', () => {
  it('renders a markdown table with escaped cells', () => {
    expect(
      markdownTable(
        ['workload', 'tx/s'],
        [
          ['a', '12.5'],
          ['b|c', '3'],
        ],
      ),
    ).toBe('| workload | tx/s |\n| --- | --- |\n| a | 12.5 |\n| b\\|c | 3 |');
  });

  it('refuses a row that does not fit the columns', () => {
    expect(() => markdownTable(['a', 'b'], [['1']])).toThrow('1 cells, the table 2 columns');
  });

  it('prints ratios and leaves out those it cannot compute', () => {
    expect(ratio(9, 10)).toBe('0.90');
    expect(ratio(1, 0)).toBe('–');
    expect(ratio(undefined, 2)).toBe('–');
    expect(ratio(250, 10)).toBe('25');
  });

  it('prints the machine beside a table', () => {
    expect(machineLine({ cores: 2, cpuModel: 'Xeon', memoryGiB: 23.54, loadavg: [7.456, 6.5, 6.1] })).toBe(
      'machine: 2 cores (Xeon), 23.5 GiB RAM, load average 7.46 / 6.50 / 6.10 (1/5/15 min)',
    );
  });
});
