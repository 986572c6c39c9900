/**
 * OSTEP's fork.py homework ("Interlude: Process API") on real xmach
 * processes: each action is a real fork or exit, and each tree is drawn from
 * the process table after it. Without -c it asks for the trees; -t shows the
 * trees and asks for the actions; -F only the final tree.
 *
 *   npx tsx scenarios/fork-tree.ts -A a+b,b+c,c-,a+d -c
 *   npx tsx scenarios/fork-tree.ts -s 4 -a 8 -f 0.6 [-t] [-F] [-L] [-R | -I | -K] [-c]
 *
 * Orphans go to a, the root (a is a subreaper), as in fork.py; -R to their
 * grandparent (every process a subreaper); -I to init (pid 1); -K to the
 * kernel. The code is scenarios/homework/fork-tree.ts (`forkTree`).
 */
import './args.ts'; // a closed pipe (| head) ends the run quietly
import { runScript } from './homework/cli.ts';
import { FORK_TREE_ABOUT, FORK_TREE_FLAGS, forkTree, forkTreeOptions } from './homework/fork-tree.ts';

await runScript('fork-tree', FORK_TREE_FLAGS, FORK_TREE_ABOUT, process.argv.slice(2), (p) => forkTree(forkTreeOptions(p)));
