/**
 * The core of `scenarios/fork-tree.ts`: OSTEP's fork.py (the process-tree
 * homework of "Interlude: Process API"), played on real xmach processes.
 *
 * Every process (a, b, c…) is an xmach task running one program: it checks a
 * command port in with the name service under its name and serves commands
 * from a control task (`ctl`): FORK (a real `sys.fork` of a child running the
 * same program), EXIT (it returns: a real exit) and REAP (a real `sys.wait`
 * for a child that has exited). The control task plays the action list, and
 * after each action reads the process table (`sys.ps()`) and draws it in
 * fork.py's style. Nothing of the tree is simulated here: who is whose child,
 * and who adopts an orphan, is what xmach's process model did.
 *
 * Orphans, the one place where fork.py and xmach have rules of their own.
 * Where an orphan (a live child of an exiting process) goes is fork.py's
 * choice, made with xmach's own rules:
 * - default (fork.py's): to `a`, the root — `a` is a subreaper
 *   (`set_child_subreaper`), so it adopts its orphaned descendants;
 * - `-R` (fork.py's local reparent): to the grandparent — every process is a
 *   subreaper, so the nearest living ancestor adopts;
 * - `-I`: to init (pid 1), drawn as a second root; init reaps them;
 * - `-K`: booted without init: to the kernel (ppid 0), each a root of its own.
 * Only the exiting process's own children move; their children stay with
 * them (fork.py flattens every descendant up to `a`).
 */
import { boot, MACH_NOTIFY_DEAD_NAME, Random, type ProcRow, type Sys } from '../../index.ts';
import { intFlag, UsageError, type Flag, type Parsed } from './cli.ts';

/** Options of forkTree; the script's flags map onto them one to one. */
export interface ForkTreeOptions {
  /** Seed of the random actions and of the kernel (default 1). */
  seed?: number;
  /** Chance that a random action is a fork rather than an exit, in (0, 1] (default 0.7). */
  forkPercentage?: number;
  /** How many random actions (default 5). */
  actions?: number;
  /** Explicit actions instead of random ones: `a+b,b+c,c-` (a forks b, b forks c, c exits). */
  actionList?: string;
  /** `-t`: show the trees and ask for the actions. */
  showTree?: boolean;
  /** `-F`: only the final tree. */
  finalOnly?: boolean;
  /** `-L`: only a process without children may exit (others fail). */
  leafOnly?: boolean;
  /** `-K`: boot without init; orphans go to the kernel (kept for `reparent: 'kernel'`). */
  kernelReparent?: boolean;
  /**
   * Where orphans go: 'root' (fork.py's default: to a, which is a subreaper), 'grandparent'
   * (`-R`: every process is a subreaper), 'init' (`-I`: to pid 1), 'kernel' (`-K`).
   */
  reparent?: 'root' | 'grandparent' | 'init' | 'kernel';
  /** `-c`: print the answers. */
  solve?: boolean;
}

/** One action: `parent` forks `child`, or `proc` exits. */
export type Action = { kind: 'fork'; parent: string; child: string } | { kind: 'exit'; proc: string };

export const FORK_TREE_ABOUT: readonly [string, string] = [
  'fork-tree: OSTEP\'s fork.py on real xmach processes: each action (a forks b, c exits) is a real fork or exit,',
  'and the process tree is drawn from the process table after it. Without -c it asks; -t asks for the actions instead.',
];

export const FORK_TREE_FLAGS: readonly Flag[] = [
  { key: 'seed', short: '-s', long: '--seed', value: 'N', help: 'random seed of the actions and the kernel (default 1)' },
  { key: 'forks', short: '-f', long: '--forks', value: 'P', help: 'fraction of random actions that are forks, 0 < P ≤ 1 (default 0.7)' },
  { key: 'actions', short: '-a', long: '--actions', value: 'N', help: 'number of random actions (default 5)' },
  { key: 'list', short: '-A', long: '--action_list', value: 'LIST', help: 'actions instead of random ones: a+b,b+c,c- (a forks b, b forks c, c exits)' },
  { key: 'tree', short: '-t', long: '--show_tree', help: 'show the trees, ask for the actions' },
  { key: 'final', short: '-F', long: '--final_only', help: 'only the final tree' },
  { key: 'leaf', short: '-L', long: '--leaf_only', help: 'only a process without children may exit' },
  { key: 'local', short: '-R', long: '--local_reparent', help: 'orphans go to their grandparent (every process is a subreaper), not to a' },
  { key: 'init', short: '-I', long: '--init_reparent', help: 'orphans go to init (pid 1), drawn as a second root' },
  { key: 'kernel', short: '-K', long: '--kernel_reparent', help: 'boot without init: orphans go to the kernel, each a root' },
  { key: 'solve', short: '-c', long: '--compute', help: 'print the answers' },
];

/**
 * Turns parsed flags into options; throws UsageError on a bad value (and on -R).
 *
 * @example
 * forkTreeOptions(parseFlags(['-A', 'a+b', '-c'], FORK_TREE_FLAGS)); // { actionList: 'a+b', solve: true, seed: 1, … }
 */
export function forkTreeOptions(p: Parsed): ForkTreeOptions {
  const f = p.get('forks');
  const forkPercentage = f === undefined ? 0.7 : Number(f);
  if (f === true || !(forkPercentage > 0 && forkPercentage <= 1)) throw new UsageError(`-f must be a number in (0, 1], got ${JSON.stringify(f)}`);
  const list = p.get('list');
  if ([p.has('local'), p.has('init'), p.has('kernel')].filter(Boolean).length > 1) throw new UsageError('-R, -I and -K are different rules for orphans: give one');
  return {
    seed: intFlag(p, 'seed', 1, -(2 ** 31), '-s'),
    forkPercentage,
    actions: intFlag(p, 'actions', 5, 0, '-a'),
    actionList: typeof list === 'string' ? list : '',
    showTree: p.has('tree'),
    finalOnly: p.has('final'),
    leafOnly: p.has('leaf'),
    kernelReparent: p.has('kernel'),
    reparent: p.has('local') ? 'grandparent' : p.has('init') ? 'init' : p.has('kernel') ? 'kernel' : 'root',
    solve: p.has('solve'),
  };
}

/**
 * Parses `a+b,b+c,c-` and checks it: a forker and an exiter must be alive, a
 * child's name new, `a` never exits. With `leafOnly`, an exit of a process
 * with children fails and leaves it alive.
 *
 * @example
 * parseActions('a+b,b-'); // [{ kind: 'fork', parent: 'a', child: 'b' }, { kind: 'exit', proc: 'b' }]
 */
export function parseActions(list: string, leafOnly = false): Action[] {
  const parent = new Map<string, string | null>([['a', null]]);
  const used = new Set(['a', 'init', 'ctl']);
  return list.split(',').map((text) => {
    const bad = (why: string) => new UsageError(`bad action (${text}): ${why}; must be X+Y or X- where X and Y are processes`);
    const fork = /^([A-Za-z0-9_]+)\+([A-Za-z0-9_]+)$/.exec(text);
    const exit = /^([A-Za-z0-9_]+)-$/.exec(text);
    if (fork) {
      const [, p, child] = fork as unknown as [string, string, string];
      if (!parent.has(p)) throw bad(`${p} is not running`);
      if (used.has(child)) throw bad(`the name ${child} is taken`);
      parent.set(child, p);
      used.add(child);
      return { kind: 'fork', parent: p, child };
    }
    if (!exit) throw bad('not an action');
    const proc = exit[1]!;
    if (proc === 'a') throw bad('a is the initial process and never exits');
    if (!parent.has(proc)) throw bad(`${proc} is not running`);
    const kids = [...parent].filter(([, pp]) => pp === proc).map(([c]) => c);
    if (!(leafOnly && kids.length > 0)) {
      parent.delete(proc);
      for (const c of kids) parent.set(c, null); // adopted by init or the kernel
    }
    return { kind: 'exit', proc };
  });
}

/**
 * Random actions the way fork.py draws them (its algorithm; xmach's generator, so not its numbers).
 *
 * @example
 * randomActions(1, 1, 3); // 'a+b,…+c,…+d': three forks, each by a live process
 */
export function randomActions(seed: number, forkPercentage: number, count: number): string {
  const rng = new Random(seed);
  const draw = (): number => rng.next();
  const pick = (items: readonly string[]) => items[Math.floor(draw() * items.length)]!;
  const base = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let names = [...base];
  let next = 1;
  const name = () => {
    if (next === names.length) {
      names = names.flatMap((n) => [...base].map((b) => n + b));
      next = 0;
    }
    return names[next++]!;
  };
  const live = ['a'];
  const out: string[] = [];
  while (out.length < count) {
    if (draw() < forkPercentage) {
      const parent = pick(live);
      const child = name();
      out.push(`${parent}+${child}`);
      live.push(child);
    } else {
      const proc = pick(live);
      if (proc === 'a') continue; // fork.py never lets the root exit
      live.splice(live.indexOf(proc), 1);
      out.push(`${proc}-`);
    }
  }
  return out.join(',');
}

const FORK = 1;
const EXIT = 2;
const REAP = 3;

/** A process: serves FORK / EXIT / REAP on a port checked in under its name. */
async function processProgram(sys: Sys, name: string, subreaper: boolean): Promise<number> {
  // fork.py's rules as subreapers: a alone (orphans to the root), or every process (to the grandparent).
  if (subreaper) await sys.set_child_subreaper();
  const { name: port } = await sys.port_allocate('receive', name);
  await sys.netname_check_in(name, port!);
  for (;;) {
    const r = await sys.msg_receive<{ child?: string; pid?: number }>(port!);
    if (!r.ok) return 1;
    const { id, body, reply } = r.msg;
    if (id === EXIT) return 0;
    if (id === FORK) {
      const child = body.child!;
      const f = await sys.fork<string>((c, n) => processProgram(c, n, everyoneReaps), { name: child, data: child, share: 'none', daemon: true });
      await sys.msg_send(reply, { id: FORK + 100, body: { pid: f.pid } });
    } else if (id === REAP) {
      const w = await sys.wait(body.pid);
      await sys.msg_send(reply, { id: REAP + 100, body: { pid: w.pid } });
    }
  }
}

/** With -R every process is a subreaper (set while a run plays; runs do not overlap). */
let everyoneReaps = false;

/** What the run saw: the process table before the actions and after each, and what each action did. */
interface Run {
  tables: ProcRow[][];
  results: string[];
}

/** Plays the actions on an xmach kernel; a table of processes after each. */
async function play(actions: readonly Action[], o: Required<ForkTreeOptions>): Promise<Run> {
  const k = boot({ seed: o.seed, process: { init: o.reparent !== 'kernel' } });
  everyoneReaps = o.reparent === 'grandparent';
  k.spawn('a', (sys: Sys) => processProgram(sys, 'a', o.reparent === 'root' || o.reparent === 'grandparent'), { daemon: true });
  const run: Run = { tables: [], results: [] };
  k.spawn('ctl', async (sys) => {
    const ports = new Map<string, number>();
    const lookUp = async (name: string) => {
      const { port } = await sys.netname_look_up(name, { wait: true });
      ports.set(name, port!);
      await sys.port_request_notification(port!, 'dead-name');
    };
    const table = async () => (await sys.ps()).procs!;
    await lookUp('a');
    let rows = await table();
    run.tables.push(rows);
    for (const act of actions) {
      if (act.kind === 'fork') {
        await sys.msg_rpc(ports.get(act.parent)!, { id: FORK, body: { child: act.child } });
        await lookUp(act.child);
        run.results.push(`${act.parent} forks ${act.child}`);
      } else {
        const me = rows.find((r) => r.name === act.proc)!;
        if (o.leafOnly && rows.some((r) => r.ppid === me.pid)) {
          run.results.push(`${act.proc} EXITS (failed: has children)`);
        } else {
          const port = ports.get(act.proc)!;
          await sys.msg_send(port, { id: EXIT });
          // Its command port dies with it: the dead-name notification says it has exited.
          for (;;) {
            const n = await sys.msg_receive<{ name: number }>(sys.notifyPort);
            if (n.ok && n.msg.id === MACH_NOTIFY_DEAD_NAME && n.msg.body.name === port) break;
          }
          // A zombie until its parent waits: one of ours is told to (REAP); init or the kernel reap on their own.
          for (;;) {
            const now = await table();
            const zombie = now.find((r) => r.pid === me.pid);
            if (!zombie) break;
            const parent = now.find((r) => r.pid === zombie.ppid);
            const parentPort = parent && ports.get(parent.name);
            if (parentPort) await sys.msg_rpc(parentPort, { id: REAP, body: { pid: me.pid } });
            else await sys.sleep(1); // init has not asked for its next child yet
          }
          run.results.push(`${act.proc} EXITS`);
        }
      }
      rows = await table();
      run.tables.push(rows);
    }
  });
  const report = await k.run();
  if (report.status !== 'done') throw new Error(`fork-tree: the kernel run ended in ${report.status}`);
  return run;
}

/** A process's parent, and when it became that parent's child (fork or adoption). */
interface Edge {
  ppid: number;
  seq: number;
}

/** The trees of one process table: `a` first, then init if it has adopted anyone, then orphans the kernel holds. */
function forest(rows: readonly ProcRow[], names: ReadonlySet<string>, order: Map<number, Edge>): { roots: number[]; kids: Map<number, number[]>; name: Map<number, string> } {
  const adopter = (r: ProcRow) => r.name === 'init' && rows.some((c) => c.ppid === r.pid && names.has(c.name));
  const shown = rows.filter((r) => names.has(r.name) || adopter(r));
  const name = new Map(shown.map((r) => [r.pid, r.name] as const));
  const kids = new Map<number, number[]>();
  const roots: number[] = [];
  for (const r of shown) {
    if (name.has(r.ppid) && r.ppid !== r.pid) (kids.get(r.ppid) ?? kids.set(r.ppid, []).get(r.ppid)!).push(r.pid);
    else roots.push(r.pid);
  }
  // Children in the order they became children (forked, or adopted), as fork.py appends them.
  for (const list of kids.values()) list.sort((x, y) => order.get(x)!.seq - order.get(y)!.seq);
  const rank = (pid: number) => (name.get(pid) === 'a' ? 0 : name.get(pid) === 'init' ? 1 : 2);
  roots.sort((x, y) => rank(x) - rank(y) || order.get(x)!.seq - order.get(y)!.seq);
  return { roots, kids, name };
}

/** Draws a forest the way fork.py's `walk` does (its 'fancy' style, 31 columns in). */
function draw(f: ReturnType<typeof forest>): string[] {
  const lines: string[] = [];
  const walk = (pid: number, level: number, pmask: Map<number, boolean>, last: boolean) => {
    let line = ' '.repeat(31);
    if (level > 0) {
      for (let i = 0; i < level - 1; i++) line += pmask.get(i) ? '│   ' : '    ';
      line += pmask.get(level - 1) ? (last ? '└── ' : '├── ') : ' ─── ';
    }
    lines.push(line + f.name.get(pid)!);
    if (last) pmask.set(level - 1, false);
    pmask.set(level, true);
    const kids = f.kids.get(pid) ?? [];
    kids.forEach((c, i) => walk(c, level + 1, pmask, i === kids.length - 1));
  };
  for (const r of f.roots) walk(r, 0, new Map(), false);
  return lines;
}

/**
 * Plays fork.py's homework on xmach and returns what fork.py would print:
 * the arguments, the initial tree, then each action and (or) the tree after it.
 *
 * @example
 * await forkTree({ actionList: 'a+b,b+c', solve: true });
 * // …Action: a forks b
 * //                                a
 * //                                └── b
 * // Action: b forks c …
 */
export async function forkTree(options: ForkTreeOptions = {}): Promise<string> {
  const o: Required<ForkTreeOptions> = {
    seed: 1, forkPercentage: 0.7, actions: 5, actionList: '', showTree: false, finalOnly: false,
    leafOnly: false, kernelReparent: false, reparent: options.kernelReparent ? 'kernel' : 'root', solve: false, ...options,
  };
  if (!(o.forkPercentage > 0 && o.forkPercentage <= 1)) throw new UsageError('forkPercentage must be in (0, 1]');
  const actions = parseActions(o.actionList || randomActions(o.seed, o.forkPercentage, o.actions), o.leafOnly);
  const run = await play(actions, o);
  const names = new Set(['a', ...actions.flatMap((x) => (x.kind === 'fork' ? [x.child] : []))]);

  // When each process became its parent's child, renewed when its parent changes (an adoption).
  const order = new Map<number, Edge>();
  let seq = 0;
  const trees = run.tables.map((rows) => {
    for (const r of rows) if (order.get(r.pid)?.ppid !== r.ppid) order.set(r.pid, { ppid: r.ppid, seq: seq++ });
    return draw(forest(rows, names, order));
  });

  const py = (b: boolean) => (b ? 'True' : 'False');
  const out = [
    '',
    `ARG seed ${o.seed}`,
    `ARG fork_percentage ${o.forkPercentage}`,
    `ARG actions ${o.actions}`,
    `ARG action_list ${o.actionList}`,
    `ARG show_tree ${py(o.showTree)}`,
    `ARG just_final ${py(o.finalOnly)}`,
    `ARG leaf_only ${py(o.leafOnly)}`,
    `ARG orphans_to ${{ root: 'a (the root)', grandparent: 'the grandparent (local reparent)', init: 'init (pid 1)', kernel: 'kernel' }[o.reparent]}`,
    `ARG solve ${py(o.solve)}`,
    '',
    '                           Process Tree:',
    ...trees[0]!,
    '',
  ];
  run.results.forEach((result, i) => {
    const tree = trees[i + 1]!;
    if (o.showTree) {
      out.push(o.solve ? `Action: ${result}` : 'Action?');
      if (!o.finalOnly) out.push(...tree);
    } else {
      out.push(`Action: ${result}`);
      if (!o.finalOnly) out.push(...(o.solve ? tree : ['Process Tree?']));
    }
  });
  if (o.finalOnly) {
    if (o.showTree || o.solve) out.push('', '                        Final Process Tree:', ...trees.at(-1)!, '');
    else out.push('', '                        Final Process Tree?', '');
  }
  return `${out.join('\n')}\n`;
}
