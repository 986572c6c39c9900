/**
 * The homework modes (scenarios/fork-tree.ts, scenarios/process-run.ts)
 * pinned against examples worked out by hand from fork.py's and
 * process-run.py's rules, and checked against a port of process-run.py's
 * scheduling loop on many workloads.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError } from '../scenarios/homework/cli.ts';
import { FORK_TREE_ABOUT, FORK_TREE_FLAGS, forkTree, forkTreeOptions, parseActions, randomActions } from '../scenarios/homework/fork-tree.ts';
import {
  loadPrograms,
  PROCESS_RUN_ABOUT,
  PROCESS_RUN_FLAGS,
  processRun,
  processRunOptions,
  renderStats,
  renderTable,
  runTable,
  type IoDoneBehavior,
  type RunTable,
  type SwitchBehavior,
} from '../scenarios/homework/process-run.ts';
import { modelTrees, ostep } from '../scenarios/homework/reference.ts';

const text = (...lines: string[]) => `${lines.join('\n')}\n`;
/** fork.py draws its trees 31 columns in. */
const I = ' '.repeat(31);
/** The part of fork-tree's output after its ARG lines. */
const trees = (out: string) => out.slice(out.indexOf('                           Process Tree:'));

describe('fork-tree: fork.py on real xmach fork and exit', () => {
  it('-A a+b,b+c,c-,a+d -c: the trees worked out by hand', async () => {
    // a forks b: b under a. b forks c: c under b. c exits with no children: it is gone
    // (b reaps it: no zombie is drawn). a forks d: d after b, in fork order.
    expect(await forkTree(forkTreeOptions(parseFlags(['-A', 'a+b,b+c,c-,a+d', '-c'], FORK_TREE_FLAGS)))).toBe(
      text(
        '',
        'ARG seed 1',
        'ARG fork_percentage 0.7',
        'ARG actions 5',
        'ARG action_list a+b,b+c,c-,a+d',
        'ARG show_tree False',
        'ARG just_final False',
        'ARG leaf_only False',
        'ARG orphans_to a (the root)',
        'ARG solve True',
        '',
        '                           Process Tree:',
        `${I}a`,
        '',
        'Action: a forks b',
        `${I}a`,
        `${I}└── b`,
        'Action: b forks c',
        `${I}a`,
        `${I}└── b`,
        `${I}    └── c`,
        'Action: c EXITS',
        `${I}a`,
        `${I}└── b`,
        'Action: a forks d',
        `${I}a`,
        `${I}├── b`,
        `${I}└── d`,
      ),
    );
  });

  const fiveActions = 'a+b,b+c,c+d,c+e,c-';
  const beforeExit = [
    '                           Process Tree:', `${I}a`, '',
    'Action: a forks b', `${I}a`, `${I}└── b`,
    'Action: b forks c', `${I}a`, `${I}└── b`, `${I}    └── c`,
    'Action: c forks d', `${I}a`, `${I}└── b`, `${I}    └── c`, `${I}        └── d`,
    'Action: c forks e', `${I}a`, `${I}└── b`, `${I}    └── c`, `${I}        ├── d`, `${I}        └── e`,
  ];

  it('an exit with children: by default the orphans go to a, the root, as in fork.py (a is a subreaper)', async () => {
    expect(trees(await forkTree({ actionList: fiveActions, solve: true }))).toBe(
      text(...beforeExit, 'Action: c EXITS', `${I}a`, `${I}├── b`, `${I}├── d`, `${I}└── e`),
    );
  });

  it('-R: the orphans go to their grandparent (every process is a subreaper), as fork.py -R', async () => {
    expect(trees(await forkTree(forkTreeOptions(parseFlags(['-A', fiveActions, '-c', '-R'], FORK_TREE_FLAGS))))).toBe(
      text(...beforeExit, 'Action: c EXITS', `${I}a`, `${I}└── b`, `${I}    ├── d`, `${I}    └── e`),
    );
  });

  it('-I: the orphans go to init (pid 1), drawn as a second root', async () => {
    // xmach's reparent: c's children d and e go to init, in the order c forked them.
    expect(trees(await forkTree({ actionList: fiveActions, solve: true, reparent: 'init' }))).toBe(
      text(...beforeExit, 'Action: c EXITS', `${I}a`, `${I}└── b`, `${I}init`, `${I}├── d`, `${I}└── e`),
    );
  });

  it('-K: without init the orphans go to the kernel, each a root of its own; their children stay theirs', async () => {
    const out = await forkTree({ actionList: `${fiveActions},d+f,b-`, solve: true, kernelReparent: true });
    expect(out).toContain('ARG orphans_to kernel\n');
    expect(trees(out)).toBe(
      text(
        ...beforeExit,
        'Action: c EXITS', `${I}a`, `${I}└── b`, `${I}d`, `${I}e`,
        'Action: d forks f', `${I}a`, `${I}└── b`, `${I}d`, `${I}└── f`, `${I}e`,
        'Action: b EXITS', `${I}a`, `${I}d`, `${I}└── f`, `${I}e`,
      ),
    );
  });

  it('init reaps an orphan that exits, and adopts later orphans after the earlier ones', async () => {
    expect(trees(await forkTree({ actionList: `${fiveActions},d-,b+g,g+h,g-`, solve: true, finalOnly: true, reparent: 'init' }))).toBe(
      text(
        '                           Process Tree:', `${I}a`, '',
        'Action: a forks b', 'Action: b forks c', 'Action: c forks d', 'Action: c forks e', 'Action: c EXITS',
        'Action: d EXITS', 'Action: b forks g', 'Action: g forks h', 'Action: g EXITS',
        '',
        '                        Final Process Tree:',
        `${I}a`, `${I}└── b`, `${I}init`, `${I}├── e`, `${I}└── h`,
        '',
      ),
    );
  });

  it('quiz modes: without -c it asks for each tree; -t shows the trees and asks for the actions; -F asks for the final tree', async () => {
    const list = 'a+b,b+c,c-,a+d';
    expect(trees(await forkTree({ actionList: list }))).toBe(
      text('                           Process Tree:', `${I}a`, '',
        'Action: a forks b', 'Process Tree?', 'Action: b forks c', 'Process Tree?', 'Action: c EXITS', 'Process Tree?', 'Action: a forks d', 'Process Tree?'),
    );
    expect(trees(await forkTree({ actionList: list, showTree: true }))).toBe(
      text('                           Process Tree:', `${I}a`, '',
        'Action?', `${I}a`, `${I}└── b`,
        'Action?', `${I}a`, `${I}└── b`, `${I}    └── c`,
        'Action?', `${I}a`, `${I}└── b`,
        'Action?', `${I}a`, `${I}├── b`, `${I}└── d`),
    );
    expect(trees(await forkTree({ actionList: list, finalOnly: true }))).toBe(
      text('                           Process Tree:', `${I}a`, '',
        'Action: a forks b', 'Action: b forks c', 'Action: c EXITS', 'Action: a forks d', '', '                        Final Process Tree?', ''),
    );
    expect(trees(await forkTree({ actionList: list, finalOnly: true, showTree: true }))).toBe(
      text('                           Process Tree:', `${I}a`, '',
        'Action?', 'Action?', 'Action?', 'Action?', '', '                        Final Process Tree:', `${I}a`, `${I}├── b`, `${I}└── d`, ''),
    );
  });

  it('-L: a process with children does not exit, and stays alive for later actions', async () => {
    expect(trees(await forkTree({ actionList: 'a+b,b+c,b-,c-,b-', solve: true, leafOnly: true }))).toBe(
      text('                           Process Tree:', `${I}a`, '',
        'Action: a forks b', `${I}a`, `${I}└── b`,
        'Action: b forks c', `${I}a`, `${I}└── b`, `${I}    └── c`,
        'Action: b EXITS (failed: has children)', `${I}a`, `${I}└── b`, `${I}    └── c`,
        'Action: c EXITS', `${I}a`, `${I}└── b`,
        'Action: b EXITS', `${I}a`),
    );
  });

  it('random actions: drawn as fork.py draws them, the same for the same seed', async () => {
    const one = await forkTree({ seed: 5, actions: 8, solve: true });
    expect(await forkTree({ seed: 5, actions: 8, solve: true })).toBe(one);
    expect(await forkTree({ seed: 6, actions: 8, solve: true })).not.toBe(one);
    expect(one.match(/^Action: /gm)).toHaveLength(8);
    for (let seed = 0; seed < 50; seed++) {
      const list = randomActions(seed, 0.5, 12);
      expect(list.split(',')).toHaveLength(12);
      expect(() => parseActions(list)).not.toThrow(); // never a dead process, never a- (fork.py's rules)
    }
    expect(randomActions(1, 1, 3)).toMatch(/^a\+b,[ab]\+c,[abc]\+d$/);
  });

  it('the trees match a model of xmach\'s rules on random action lists (both orphan rules)', async () => {
    for (let seed = 0; seed < 12; seed++) {
      for (const kernelReparent of [false, true]) {
        const list = randomActions(seed, 0.6, 10);
        const out = await forkTree({ actionList: list, solve: true, kernelReparent, reparent: kernelReparent ? 'kernel' : 'init' });
        expect(trees(out), `${list} ${kernelReparent ? '-K' : ''}`).toBe(modelTrees(list, kernelReparent));
      }
    }
  });

  it('bad actions and flags are usage errors', () => {
    for (const bad of ['a+b,c+d', 'a-', 'a+b,a+b', 'a+init', 'a*b', 'a+b,b-,b-']) expect(() => parseActions(bad)).toThrow(UsageError);
    expect(() => forkTreeOptions(parseFlags(['-R', '-K'], FORK_TREE_FLAGS))).toThrow(/give one/);
    expect(() => forkTreeOptions(parseFlags(['-f', '0'], FORK_TREE_FLAGS))).toThrow(UsageError);
    expect(() => forkTreeOptions(parseFlags(['-a', '-1'], FORK_TREE_FLAGS))).toThrow(UsageError);
    expect(() => parseFlags(['--bogus'], FORK_TREE_FLAGS)).toThrow(/unknown option --bogus/);
    expect(() => parseFlags(['-s'], FORK_TREE_FLAGS)).toThrow(/needs a value/);
    expect(forkTreeOptions(parseFlags(['--seed=9', '-c'], FORK_TREE_FLAGS))).toMatchObject({ seed: 9, solve: true });
  });
});

describe('process-run: process-run.py on xmach tasks', () => {
  const solved = (args: string[]) => processRun(processRunOptions(parseFlags([...args, '-c', '-p'], PROCESS_RUN_FLAGS)));

  it('-l 5:100,5:100: two CPU-bound processes run one after the other; 10 ticks, CPU 100%', async () => {
    expect(await solved(['-l', '5:100,5:100'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1        RUN:cpu         READY             1',
      '  2        RUN:cpu         READY             1',
      '  3        RUN:cpu         READY             1',
      '  4        RUN:cpu         READY             1',
      '  5        RUN:cpu         READY             1',
      '  6           DONE       RUN:cpu             1',
      '  7           DONE       RUN:cpu             1',
      '  8           DONE       RUN:cpu             1',
      '  9           DONE       RUN:cpu             1',
      ' 10           DONE       RUN:cpu             1',
      '',
      'Stats: Total Time 10',
      'Stats: CPU Busy 10 (100.00%)',
      'Stats: IO Busy  0 (0.00%)',
      '',
      ),
    );
  });

  it('-l 4:100,1:0: the I/O is issued only after PID 0 ends; total 11 (4 + io + 5 blocked + io_done)', async () => {
    expect(await solved(['-l', '4:100,1:0'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1        RUN:cpu         READY             1',
      '  2        RUN:cpu         READY             1',
      '  3        RUN:cpu         READY             1',
      '  4        RUN:cpu         READY             1',
      '  5           DONE        RUN:io             1',
      '  6           DONE       BLOCKED                           1',
      '  7           DONE       BLOCKED                           1',
      '  8           DONE       BLOCKED                           1',
      '  9           DONE       BLOCKED                           1',
      ' 10           DONE       BLOCKED                           1',
      ' 11*          DONE   RUN:io_done             1',
      '',
      'Stats: Total Time 11',
      'Stats: CPU Busy 6 (54.55%)',
      'Stats: IO Busy  5 (45.45%)',
      '',
      ),
    );
  });

  it('-l 1:0,4:100 (SWITCH_ON_IO): PID 1 computes while PID 0 waits; total 7', async () => {
    expect(await solved(['-l', '1:0,4:100', '-S', 'SWITCH_ON_IO'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1         RUN:io         READY             1',
      '  2        BLOCKED       RUN:cpu             1             1',
      '  3        BLOCKED       RUN:cpu             1             1',
      '  4        BLOCKED       RUN:cpu             1             1',
      '  5        BLOCKED       RUN:cpu             1             1',
      '  6        BLOCKED          DONE                           1',
      '  7*   RUN:io_done          DONE             1',
      '',
      'Stats: Total Time 7',
      'Stats: CPU Busy 6 (85.71%)',
      'Stats: IO Busy  5 (71.43%)',
      '',
      ),
    );
  });

  it('-l 1:0,4:100 -S SWITCH_ON_END: PID 0 keeps the CPU through its I/O (shown BLOCKED, CPU idle); total 11', async () => {
    expect(await solved(['-l', '1:0,4:100', '-S', 'SWITCH_ON_END'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1         RUN:io         READY             1',
      '  2        BLOCKED         READY                           1',
      '  3        BLOCKED         READY                           1',
      '  4        BLOCKED         READY                           1',
      '  5        BLOCKED         READY                           1',
      '  6        BLOCKED         READY                           1',
      '  7*   RUN:io_done         READY             1',
      '  8           DONE       RUN:cpu             1',
      '  9           DONE       RUN:cpu             1',
      ' 10           DONE       RUN:cpu             1',
      ' 11           DONE       RUN:cpu             1',
      '',
      'Stats: Total Time 11',
      'Stats: CPU Busy 6 (54.55%)',
      'Stats: IO Busy  5 (45.45%)',
      '',
      ),
    );
  });

  it('-l 2:0,6:100 -L 2, IO_RUN_LATER: PID 0 waits READY for PID 1 to finish; total 12', async () => {
    expect(await solved(['-l', '2:0,6:100', '-L', '2', '-I', 'IO_RUN_LATER'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1         RUN:io         READY             1',
      '  2        BLOCKED       RUN:cpu             1             1',
      '  3        BLOCKED       RUN:cpu             1             1',
      '  4*         READY       RUN:cpu             1',
      '  5          READY       RUN:cpu             1',
      '  6          READY       RUN:cpu             1',
      '  7          READY       RUN:cpu             1',
      '  8    RUN:io_done          DONE             1',
      '  9         RUN:io          DONE             1',
      ' 10        BLOCKED          DONE                           1',
      ' 11        BLOCKED          DONE                           1',
      ' 12*   RUN:io_done          DONE             1',
      '',
      'Stats: Total Time 12',
      'Stats: CPU Busy 10 (83.33%)',
      'Stats: IO Busy  4 (33.33%)',
      '',
      ),
    );
  });

  it('-l 2:0,6:100 -L 2, IO_RUN_IMMEDIATE: PID 0 preempts PID 1 when its I/O ends; total 10, CPU 100%', async () => {
    expect(await solved(['-l', '2:0,6:100', '-L', '2', '-I', 'IO_RUN_IMMEDIATE'])).toBe(
      text(
      'Time        PID: 0        PID: 1           CPU           IOs',
      '  1         RUN:io         READY             1',
      '  2        BLOCKED       RUN:cpu             1             1',
      '  3        BLOCKED       RUN:cpu             1             1',
      '  4*   RUN:io_done         READY             1',
      '  5         RUN:io         READY             1',
      '  6        BLOCKED       RUN:cpu             1             1',
      '  7        BLOCKED       RUN:cpu             1             1',
      '  8*   RUN:io_done         READY             1',
      '  9           DONE       RUN:cpu             1',
      ' 10           DONE       RUN:cpu             1',
      '',
      'Stats: Total Time 10',
      'Stats: CPU Busy 10 (100.00%)',
      'Stats: IO Busy  4 (40.00%)',
      '',
      ),
    );
  });

  it('OSTEP question 7 (-l 3:0,5:100,5:100,5:100): 31 ticks with IO_RUN_LATER, 21 with IO_RUN_IMMEDIATE', async () => {
    const stats = (out: string) => out.slice(out.indexOf('\nStats:') + 1);
    expect(stats(await solved(['-l', '3:0,5:100,5:100,5:100']))).toBe(
      text('Stats: Total Time 31', 'Stats: CPU Busy 21 (67.74%)', 'Stats: IO Busy  15 (48.39%)', ''),
    );
    expect(stats(await solved(['-l', '3:0,5:100,5:100,5:100', '-I', 'IO_RUN_IMMEDIATE']))).toBe(
      text('Stats: Total Time 21', 'Stats: CPU Busy 21 (100.00%)', 'Stats: IO Busy  15 (71.43%)', ''),
    );
  });

  it('the one deviation: after an IO_RUN_IMMEDIATE preemption the preempted process joins the back of xmach\'s FIFO queue', async () => {
    // Tick 3: PID 0's I/O ends and preempts PID 1, which queues behind PID 2. Tick 5: xmach runs
    // PID 2 (first in its queue); process-run.py would run PID 1 (the next READY pid after 0).
    expect(await solved(['-l', '2:0,3:100,3:100', '-L', '1', '-I', 'IO_RUN_IMMEDIATE'])).toBe(
      text(
      'Time        PID: 0        PID: 1        PID: 2           CPU           IOs',
      '  1         RUN:io         READY         READY             1',
      '  2        BLOCKED       RUN:cpu         READY             1             1',
      '  3*   RUN:io_done         READY         READY             1',
      '  4         RUN:io         READY         READY             1',
      '  5        BLOCKED         READY       RUN:cpu             1             1',
      '  6*   RUN:io_done         READY         READY             1',
      '  7           DONE       RUN:cpu         READY             1',
      '  8           DONE       RUN:cpu         READY             1',
      '  9           DONE          DONE       RUN:cpu             1',
      ' 10           DONE          DONE       RUN:cpu             1',
      '',
      'Stats: Total Time 10',
      'Stats: CPU Busy 10 (100.00%)',
      'Stats: IO Busy  2 (20.00%)',
      '',
      ),
    );
    const code = loadPrograms({ processList: '2:0,3:100,3:100' });
    expect(ostep(code, 1, 'SWITCH_ON_IO', 'IO_RUN_IMMEDIATE').ticks[4]!.cells).toEqual(['BLOCKED', 'RUN:cpu', 'READY']);
  });

  it('the same table as process-run.py\'s own loop on many workloads (with a FIFO queue after IMMEDIATE preemptions)', async () => {
    const modes: [SwitchBehavior, IoDoneBehavior][] = [
      ['SWITCH_ON_IO', 'IO_RUN_LATER'], ['SWITCH_ON_IO', 'IO_RUN_IMMEDIATE'], ['SWITCH_ON_END', 'IO_RUN_LATER'], ['SWITCH_ON_END', 'IO_RUN_IMMEDIATE'],
    ];
    for (let seed = 0; seed < 24; seed++) {
      for (const [switchBehavior, ioDone] of modes) {
        for (const processes of [2, 3, 4]) {
          const ioLength = 1 + (seed % 5);
          const processList = Array.from({ length: processes }, (_, i) => `${1 + ((seed * 7 + i * 3) % 6)}:${[0, 30, 50, 80, 100][(seed + i) % 5]}`).join(',');
          const o = { seed, processList, ioLength, switchBehavior, ioDone };
          const code = loadPrograms(o);
          // With two processes the queue disciplines agree; so do they without preemption.
          const fifo = processes > 2 && switchBehavior === 'SWITCH_ON_IO' && ioDone === 'IO_RUN_IMMEDIATE';
          const want = ostep(code, ioLength, switchBehavior, ioDone, fifo);
          const got = await runTable(code, o);
          expect(show(got, processes), `${processList} -L ${ioLength} ${switchBehavior} ${ioDone} seed ${seed}`).toBe(show(want, processes));
        }
      }
    }
  });

  it('without -c: the processes and the rules, as a question', async () => {
    expect(await processRun({ processList: '1:0,2:100', switchBehavior: 'SWITCH_ON_END', ioDone: 'IO_RUN_IMMEDIATE' })).toBe(
      text(
        'Produce a trace of what would happen when you run these processes:',
        'Process 0', '  io', '  io_done', '',
        'Process 1', '  cpu', '  cpu', '',
        'Important behaviors:',
        '  System will switch when the current process is FINISHED',
        '  After IOs, the process issuing the IO will run IMMEDIATELY',
        '',
      ),
    );
  });

  it('-P: explicit programs, ":" between processes; -l draws the same programs for the same seed', async () => {
    expect(loadPrograms({ program: 'c,c,io,c:c3,i' })).toEqual([
      ['cpu', 'cpu', 'io', 'io_done', 'cpu'],
      ['cpu', 'cpu', 'cpu', 'io', 'io_done'],
    ]);
    const a = await processRun({ processList: '6:50,6:50', seed: 3, solve: true, printStats: true });
    expect(await processRun({ processList: '6:50,6:50', seed: 3, solve: true, printStats: true })).toBe(a);
    expect(loadPrograms({ processList: '8:50', seed: 3 })).not.toEqual(loadPrograms({ processList: '8:50', seed: 4 }));
  });

  it('bad flags and workloads are usage errors', () => {
    const opts = (...args: string[]) => processRunOptions(parseFlags(args, PROCESS_RUN_FLAGS));
    expect(() => opts('-S', 'SWITCH_SOMETIMES')).toThrow(UsageError);
    expect(() => opts('-I', 'LATER')).toThrow(UsageError);
    expect(() => opts('-L', '0')).toThrow(/≥ 1/);
    expect(() => loadPrograms({})).toThrow(UsageError);
    expect(() => loadPrograms({ processList: '3:50', program: 'c' })).toThrow(UsageError);
    expect(() => loadPrograms({ processList: '3' })).toThrow(/bad description/);
    expect(() => loadPrograms({ processList: '0:50' })).toThrow(/bad description/);
    expect(() => loadPrograms({ program: 'c,x' })).toThrow(/bad instruction/);
  });
});

describe('the scripts, as a user runs them', () => {
  const run = promisify(execFile);
  const tsx = (script: string, ...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', `scenarios/${script}.ts`, ...args], { cwd: new URL('..', import.meta.url).pathname });

  it('--help: two lines on what it shows, then the flags; a bad flag: a usage line and exit 2', async () => {
    for (const [script, about] of [['fork-tree', FORK_TREE_ABOUT], ['process-run', PROCESS_RUN_ABOUT]] as const) {
      const help = (await tsx(script, '--help')).stdout.split('\n');
      expect(help.slice(0, 2)).toEqual([...about]);
      expect(help[2]).toMatch(/^ {2}-s, --seed N /);
      const bad = await tsx(script, '--bogus').then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(bad?.code).toBe(2);
      expect(bad?.stderr).toMatch(new RegExp(`unknown option --bogus\\nusage: npx tsx scenarios/${script}\\.ts `));
    }
    expect((await tsx('process-run', '-l', '4:100,1:0', '-c', '-p')).stdout).toContain('Stats: Total Time 11\n');
  });
});

/** The table and statistics as text, for comparing runs. */
function show(t: RunTable, processes: number): string {
  return [...renderTable(t, processes), ...renderStats(t)].join('\n');
}
