// The docknet command line. Thin: it parses arguments, calls the core and prints.
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Docknet, StalePlanError } from '../lib/docknet';
import { describeHolder } from '../lib/drivers/lock';
import { emptyStack } from '../lib/plan/planner';
import { stackNames } from '../lib/plan/ownership';
import { loadSpecs } from '../lib/spec/load';
import { STACK_NAME, STACK_NAME_RULE } from '../lib/model/schema';
import { didYouMean } from '../lib/spec/suggest';
import { SpecError } from '../lib/spec/errors';
import { describeEngine, planJson, renderPlan, summarize } from '../lib/plan/render';
import type { Plan } from '../lib/plan/actions';
import type { Stack } from '../lib/model/types';
import { numberSetting, SettingError, settingProblems } from '../lib/settings';
import { docknetVersion } from '../lib/version';
import { progressPrinter, pullPrinter } from './progress';

/** Exit codes are a contract: scripts and CI read them (the README's command table lists them). */
const EXIT = { ok: 0, error: 1, changes: 2, invalid: 2, drift: 2 } as const;

/** Commands that only read specs: an invalid spec is their answer (exit 2), not a failure. */
const SPEC_ONLY = new Set(['validate', 'graph']);
/** Commands that change nothing: Ctrl-C quits them at once. */
const READ_ONLY = new Set(['validate', 'graph', 'plan', 'status', 'ls', 'export']);
/** The command being run, as commander matched it (global options may come before its name). */
let running = '';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;

/** The global options naming the engine (-H/--host, --context) and the tcp firewall helper. */
interface EngineOptions {
  host?: string;
  context?: string;
  firewallHelper?: string;
}
let engineChoice: EngineOptions = {};
/** The core this run talks to: an error names its engine once the engine has answered. */
let current: Docknet | undefined;

/** The core, as the command line uses it: manager cli, progress and lock waits on stderr. */
function docknet(progress = false, command = 'docknet'): Docknet {
  current = new Docknet({
    dockerHost: engineChoice.host,
    dockerHostSource: '--host',
    context: engineChoice.context,
    firewallHelper: engineChoice.firewallHelper,
    concurrency: numberSetting('DOCKNET_CONCURRENCY'),
    onProgress: progress ? progressPrinter(process.stderr) : undefined,
    manager: 'cli',
    command,
    onLockWait: (h) => process.stderr.write(`waiting for ${h ? describeHolder(h) : 'another docknet'} to finish with this engine…\n`),
  });
  return current;
}

async function confirm(plan: Plan, verb: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`error: refusing to ${verb} without a terminal to confirm on: pass --yes\n`);
    throw new Exit(EXIT.error);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${verb} these changes (${summarize(plan)})? [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * Ctrl-C while a command only reads (plan, status, ls, export…): nothing changed, so it quits at once
 * and says so. Commands that change the engine take SIGINT over with interruption().
 */
function quitOnInterrupt(): void {
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: nothing was changed\n');
    process.exit(130);
  });
}

/** An AbortSignal raised by Ctrl-C (or SIGTERM): the work stops between steps and cleans up; a second one quits. */
function interruption(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the current step and cleaning up (again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, done: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); } };
}

const DEFAULT_PROBE_IMAGE = 'busybox:latest';
const DEFAULT_WATCH_URL = 'http://127.0.0.1:9479';

/** Runs `docknet probe` on stacks and prints its table (or JSON); exit 1 when an expectation fails. */
async function runProbe(dn: Docknet, stacks: Stack[], opts: { probeImage?: string; json?: boolean }): Promise<void> {
  const { probe } = await import('../lib/probe/probe');
  const { probeJson, renderProbe } = await import('../lib/probe/report');
  const stop = interruption();
  const pulls = pullPrinter(process.stderr);
  try {
    const report = await probe(dn, stacks, {
      image: opts.probeImage ?? DEFAULT_PROBE_IMAGE,
      signal: stop.signal,
      onProgress: (e) => {
        if (e.type === 'start') pulls.line(`probing: ${e.checks} checks from ${e.containers} probe containers…`);
        else if (e.type !== 'result') pulls.onPull(e);
      },
    });
    process.stdout.write(opts.json ? `${JSON.stringify(probeJson(report), null, 2)}\n` : `${renderProbe(report, color)}\n`);
    if (!report.ok) throw new Exit(EXIT.error);
  } finally {
    stop.done();
  }
}

interface ConvergeOptions {
  yes?: boolean;
  /** destroy: stacks named on the command line (their files may be gone). */
  stack?: string[];
  volumes?: boolean;
  takeOver?: boolean;
  probe?: boolean;
  probeImage?: string;
}

/**
 * apply and destroy. With --yes the plan is made under the engine's lock and carried out at once.
 * Otherwise a person confirms a plan first; under the lock it is made again from a fresh observation,
 * and if the host changed meanwhile the new plan is shown and confirmed instead.
 */
async function converge(paths: string[], opts: ConvergeOptions, destroy: boolean): Promise<void> {
  const stacks = paths.length > 0 ? loadSpecs(paths) : [];
  const verb = destroy ? 'destroy' : 'apply';
  const dn = docknet(true, `docknet ${verb}`);
  const named = (opts.stack ?? []).filter((name) => !stacks.some((s) => s.name === name));
  const target = destroy ? [...stacks.map((s) => s.name), ...named].map(emptyStack) : stacks;
  const unchanged = (plan: Plan) => {
    // A stack named on the command line that the engine does not know is most likely a typo.
    const known = stackNames(plan.observed);
    const unknown = named.filter((name) => !known.includes(name));
    const hint = unknown.map((name) => `; docknet owns no stack ${name} on this engine${didYouMean(name, known)} (docknet ls lists them)`).join('');
    process.stdout.write(`${destroy ? 'nothing to destroy' : 'the host already matches the spec'} (${dn.engine.callCount} Docker API calls)${hint}\n`);
  };
  const stop = interruption();
  try {
    let confirmed: Plan | undefined;
    if (!opts.yes) {
      confirmed = await dn.plan(target, { takeOver: opts.takeOver });
      process.stdout.write(`${renderPlan(confirmed, color)}\n`);
      if (confirmed.actions.length === 0) unchanged(confirmed);
      else if (!(await confirm(confirmed, verb))) return void process.stdout.write('nothing changed\n');
    }
    while (!confirmed || confirmed.actions.length > 0) {
      try {
        const started = Date.now();
        const result = await dn.apply(target, { confirmed, takeOver: opts.takeOver, removeVolumes: opts.volumes, signal: stop.signal, onPlan: (p) => (confirmed ? undefined : process.stdout.write(`${renderPlan(p, color)}\n`)) });
        if (result.plan.actions.length === 0) unchanged(result.plan);
        else process.stdout.write(`${destroy ? 'destroyed' : 'applied'} ${result.plan.actions.length} changes in ${((Date.now() - started) / 1000).toFixed(1)}s (${result.apiCalls} Docker API calls); verified: the host matches the spec\n`);
        break;
      } catch (e) {
        if (!(e instanceof StalePlanError)) throw e;
        process.stderr.write('the host changed since the plan was shown; nothing was applied. The plan now:\n');
        process.stdout.write(`${renderPlan(e.fresh, color)}\n`);
        confirmed = e.fresh;
        if (confirmed.actions.length === 0) unchanged(confirmed);
        else if (!(await confirm(confirmed, verb))) return void process.stdout.write('nothing changed\n');
      }
    }
  } finally {
    stop.done();
  }
  if (opts.probe && !destroy) await runProbe(dn, stacks, opts);
}

/** Prints what a running reconciler reports, for a person (or as JSON). */
async function watchStatus(url: string, json: boolean): Promise<void> {
  const res = await fetch(`${url.replace(/\/$/, '')}/status`);
  if (!res.ok) throw new Error(`${url}/status: HTTP ${res.status}`);
  const s = (await res.json()) as import('../reconciler/reconciler').ReconcilerStatus;
  if (json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    // The same exit code as the text: scripts that ask for JSON still learn of the error from it.
    if (s.lastError) throw new Exit(EXIT.drift);
    return;
  }
  const lines = [
    `source          ${s.source}${s.suspended ? '   (SUSPENDED)' : ''}`,
    `applied commit  ${s.lastAppliedCommit ?? '(none yet)'}${s.lastAppliedAt ? ` at ${s.lastAppliedAt}` : ''}`,
    `last attempted  ${s.lastAttemptedCommit ?? '(none yet)'}`,
    `engine          ${s.endpoint}, ${s.engine}`,
    `queue           ${s.queue.running ? 'reconciling' : 'idle'}${s.queue.pending.length ? `, pending: ${s.queue.pending.join(', ')}` : ''}`,
  ];
  if (s.lastError) lines.push(`last error      ${s.lastError.commit?.slice(0, 12) ?? ''} ${s.lastError.message.split('\n').join('\n                ')}`);
  for (const st of s.stacks) lines.push(`stack ${st.name.padEnd(18)} ${st.state}${st.driftRepairs ? `, ${st.driftRepairs} drift repairs` : ''}${st.backoff ? `, held back ${st.backoff.seconds}s (${st.backoff.reason})` : ''}${st.lastError ? `: ${st.lastError}` : ''}`);
  for (const r of s.driftRepairs.slice(0, 5)) lines.push(`repaired ${r.at} ${r.stack}: ${r.found.join('; ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (s.lastError) throw new Exit(EXIT.drift);
}

export function program(): Command {
  const cmd = new Command('docknet')
    .description('Docker host networking as code: declare networks, endpoints, publishes and routes; converge the host to them.')
    .addHelpText('after', `
Specs are YAML or JSON files (version: 1) with networks, containers and routes; a folder means every
*.yaml, *.yml and *.json in it. Objects docknet creates carry the labels io.docknet.managed and
io.docknet.stack; firewall rules carry the comment docknet:<stack>:<route>. Nothing else is touched.
The Docker engine is chosen as the docker CLI chooses it: -H/--host, --context, DOCKER_HOST,
DOCKER_CONTEXT, the current context of the docker config, else unix:///var/run/docker.sock; unix://,
tcp:// (TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) and ssh://user@host. Routes are written into the
firewall of the engine's host: here for unix://, over ssh for ssh://; for tcp:// only through a helper
container (--firewall-helper IMAGE), otherwise they are refused.

Examples:
  docknet validate stacks/
  docknet plan stacks/two-bridges.yaml
  docknet apply stacks/two-bridges.yaml --yes
  docknet status stacks/ --json
  docknet ls                                   # every stack docknet owns on the engine
  docknet destroy stacks/two-bridges.yaml --yes
  docknet destroy --stack two-bridges --yes    # when its file is gone
  docknet export my-net -o my-net.yaml         # a network made by hand, as a spec

Numbers in the environment (checked before anything runs): DOCKNET_CONCURRENCY (steps at once,
default 4), DOCKNET_LOCK_WAIT (seconds to wait for another writer, default 120),
DOCKNET_CONNECT_TIMEOUT (seconds, default 10), DOCKNET_SSH_MULTIPLEX (1 or 0), DOCKNET_PARSE_CACHE
(1 or 0: keep what large spec files parsed to).`)
    .version(docknetVersion(), '-V, --version', 'print the version of docknet')
    .option('-H, --host <url>', 'Docker endpoint: unix:///path, tcp://host[:port], ssh://[user@]host[:port] (default: DOCKER_HOST, DOCKER_CONTEXT, the current docker context, the local socket)')
    .option('--context <name>', 'docker context to use (docker context ls); not together with --host')
    .option('--firewall-helper <image>', 'for a tcp:// engine: run the host\'s iptables through a privileged helper container of this image on that engine (it needs nsenter); default DOCKNET_FIREWALL_HELPER')
    .hook('preAction', (root, action) => {
      engineChoice = root.opts() as EngineOptions;
      running = action.name();
      const problems = settingProblems();
      if (problems.length > 0) throw new SettingError(problems);
      if (READ_ONLY.has(running)) quitOnInterrupt();
    })
    .showHelpAfterError();

  cmd.command('validate')
    .description('load and check specs without touching the host (exit 0 valid, 2 invalid)')
    .argument('<path...>', 'spec files or folders')
    .action((paths: string[]) => {
      const stacks = loadSpecs(paths);
      for (const s of stacks) process.stdout.write(`${s.name}: valid (${s.networks.length} networks${s.externals.length > 0 ? ` and ${s.externals.length} external` : ''}, ${s.containers.length} containers, ${s.routes.length} routes) from ${s.files.join(', ')}\n`);
    });

  cmd.command('graph')
    .description('draw the topology of specs: networks, segments, containers, publishes and routes (never contacts Docker; exit 0, 2 invalid)')
    .argument('<path...>', 'spec files or folders')
    .option('-o, --output <file>', 'write a picture: .svg, .png (needs rsvg-convert), .dot (Graphviz) or .mmd (Mermaid); without it, Mermaid text goes to stdout')
    .addHelpText('after', `
Examples:
  docknet graph stacks/lab.yaml                 # Mermaid on stdout: paste it into Markdown
  docknet graph stacks/ -o topology.svg         # every stack in one picture, grouped by stack
  docknet graph stacks/lab.yaml -o lab.png      # needs rsvg-convert (Debian: apt-get install librsvg2-bin)`)
    .action(async (paths: string[], opts: { output?: string }) => {
      const { checkOutputFile, mermaidText, summary, writeGraph } = await import('../lib/graph/output');
      if (!opts.output) return void process.stdout.write(mermaidText(loadSpecs(paths)));
      checkOutputFile(opts.output);
      const t = await writeGraph(loadSpecs(paths), opts.output);
      process.stdout.write(`wrote ${opts.output}: ${summary(t)}\n`);
    });

  cmd.command('import')
    .description('compose files → a docknet spec (v1), as docker compose reads them (exit 0; 2 refused, nothing written)')
    .argument('<file...>', 'compose files, merged in this order as compose merges them')
    .option('-p, --project <name>', 'project name, the stack (default: COMPOSE_PROJECT_NAME, the files\' name:, the first file\'s folder)')
    .option('--env-file <file>', 'env file instead of the project folder\'s .env; again for more', (f: string, seen?: string[]) => [...(seen ?? []), f])
    .option('-o, --output <file>', 'write the spec to this file (default: stdout)')
    .option('--lenient', 'leave out, with a warning, each service or network docknet cannot carry, instead of refusing the import')
    .addHelpText('after', `
Networks and containers get compose's names (<project>_<network>, <project>-<service>), so a project
moved from compose keeps its networks' and volumes' names. Warnings and refusals name the compose path
(file:line:col: services.api.build: …). See "Coming from compose" in the README.

Examples:
  docknet import compose.yaml -o shop.yaml
  docknet import compose.yaml compose.prod.yaml --env-file prod.env --project shop
  docknet import compose.yaml --lenient > shop.yaml`)
    .action(async (files: string[], opts: { project?: string; envFile?: string[]; output?: string; lenient?: boolean }) => {
      const { importCompose } = await import('../lib/compose/import');
      const { formatIssue } = await import('../lib/spec/errors');
      const { writeFileSync } = await import('node:fs');
      const r = importCompose(files, { project: opts.project, envFiles: opts.envFile, lenient: opts.lenient, specFile: opts.output });
      for (const issue of r.issues) process.stderr.write(`${issue.level}: ${formatIssue(issue)}\n`);
      if (!r.spec || r.text === undefined) throw new Exit(EXIT.invalid);
      if (!opts.output) return void process.stdout.write(r.text);
      writeFileSync(opts.output, r.text);
      const count = (m?: object) => Object.keys(m ?? {}).length;
      const warned = r.issues.length > 0 ? ` (${r.issues.length} warnings above)` : '';
      process.stdout.write(`wrote ${opts.output}: stack ${r.spec.stack}, ${count(r.spec.networks)} networks, ${count(r.spec.containers)} containers${warned}\n`);
    });

  cmd.command('plan')
    .description('show what apply would do, and why')
    .argument('<path...>', 'spec files or folders')
    .option('--json', 'machine-readable output: per action its reasons, and the desired and current values of its object')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes')
    .addHelpText('after', `
The plan names the engine, then each stack's changes, one action a line, each with its reasons:
  +    create a network, container or route; connect a container to a network
  -    remove it; disconnect a container from a network
  -/+  replace: Docker cannot change it in place, so it is made anew (a container's predecessor
       keeps serving until it runs, see Safety in the README)
  ~    update in place (a container's restart policy)
  >    start a container that is stopped
Under a create or replace stand the values it will have, as the spec writes them (driver, ipv4,
bridge, image, networks, publish…); under a route, its firewall rules as iptables -S prints them
(<bridge of NAME> for a bridge Docker has not made yet). Nothing is listed for what stays as it is.

Exit codes: 0 the plan was made (with --detailed-exitcode: 0 nothing to do, 2 changes);
1 an error: an invalid spec, a conflict with the host, the engine out of reach.

Examples:
  docknet plan stacks/lab.yaml
  docknet plan stacks/ --json | jq '.actions[] | {op, name, desired}'
  docknet plan stacks/lab.yaml --detailed-exitcode || echo "the host differs"`)
    .action(async (paths: string[], opts: { json?: boolean; detailedExitcode?: boolean }) => {
      const plan = await docknet().plan(loadSpecs(paths));
      process.stdout.write(opts.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : `${renderPlan(plan, color)}\n`);
      if (opts.detailedExitcode && plan.actions.length > 0) throw new Exit(EXIT.changes);
    });

  cmd.command('apply')
    .description('converge the host to the specs, then verify it (exit 0 only when converged and verified)')
    .argument('<path...>', 'spec files or folders')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--take-over', 'change stacks another manager (terraform, pulumi, docknet watch) owns, and manage them from now on')
    .option('--probe', 'after verifying, prove routes, publishes and isolation with real packets (see docknet probe)')
    .option('--probe-image <image>', `image of the probe containers (default ${DEFAULT_PROBE_IMAGE})`)
    .action((paths: string[], opts: ConvergeOptions) => converge(paths, opts, false));

  cmd.command('probe')
    .description('prove routes, publishes and isolation with real packets (exit 0 when every expectation holds, 1 otherwise)')
    .argument('<path...>', 'spec files or folders (already applied)')
    .option('--probe-image <image>', `image of the probe containers: needs sh, ping and nc (default ${DEFAULT_PROBE_IMAGE})`)
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
For each route, every direction it allows is tried (icmp, and TCP to a listener); with an allow
filter, one allowed and one refused port; a one-way route must refuse the reverse direction. For each
TCP publish with a fixed host port, a connection to the host port from the engine's host. For each
bridge network with icc: false, two containers on it must not reach each other. The packets come
from short-lived probe containers on the stacks' networks (labelled io.docknet.probe), removed
afterwards, also on Ctrl-C. Unlike status, which reads rules back, this shows what traffic does: a
rule ahead of docknet's that drops the traffic makes the route's checks fail.`)
    .action(async (paths: string[], opts: { probeImage?: string; json?: boolean }) => runProbe(docknet(), loadSpecs(paths), opts));

  cmd.command('destroy')
    .description('remove everything the stacks in these specs own, or the stacks named with --stack')
    .argument('[path...]', 'spec files or folders')
    .option('--stack <name...>', 'a stack by its name, also when its spec file is gone (docknet ls lists them)')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--take-over', 'destroy stacks another manager (terraform, pulumi, docknet watch) owns')
    .option('--volumes', 'also remove the anonymous volumes of the containers (kept by default, as with compose)')
    .addHelpText('after', `
Only what carries the stack's labels (networks, containers, its stack record) or its rule comments
is removed. Examples:
  docknet destroy stacks/lab.yaml --yes
  docknet destroy --stack lab --yes            # its file is gone: docknet ls shows what it owns
  docknet destroy --stack lab --take-over      # a stack Terraform or docknet watch manages`)
    .action((paths: string[], opts: ConvergeOptions) => {
      if (paths.length === 0 && !opts.stack?.length) throw new Error('name what to destroy: spec paths, or --stack NAME (docknet ls lists the stacks)');
      const bad = (opts.stack ?? []).filter((name) => !STACK_NAME.test(name));
      if (bad.length > 0) throw new Error(`--stack ${bad[0]}: a stack name is ${STACK_NAME_RULE}`);
      return converge(paths, opts, true);
    });

  cmd.command('ls')
    .description('list the stacks docknet owns on the engine: their networks, containers, routes, manager and the drift visible without their specs')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Read from the engine alone, without spec files: objects carrying docknet's labels, rules carrying
its comments, and the stack records (docknet-stack.<name>) naming each stack's manager. Drift shown
here is what needs no spec: stopped containers, missing replicas, leftovers of interrupted runs, a
route whose rules are incomplete or name a bridge that is gone. Changed settings and objects removed
by hand need the spec: docknet status SPEC… Examples:
  docknet ls
  docknet ls --json | jq '.stacks[] | {name, manager: .manager.manager, drift}'`)
    .action(async (opts: { json?: boolean }) => {
      const { inventory } = await import('../lib/inventory/inventory');
      const { inventoryJson, renderInventory } = await import('../lib/inventory/report');
      const found = inventory(await docknet().observe([]));
      process.stdout.write(opts.json ? `${JSON.stringify(inventoryJson(found), null, 2)}\n` : `${renderInventory(found)}\n`);
    });

  cmd.command('export')
    .description('write networks that exist on the engine (made by hand, by compose) as a docknet spec')
    .argument('<network...>', 'network names (or ids)')
    .option('-o, --output <file>', 'write the spec to this file instead of stdout')
    .addHelpText('after', `
The way in from docker network create: the spec holds each network's driver, subnets, gateway,
ranges, options, labels, internal and attachable, so that after docker network rm, docknet apply
makes the same network. Containers attached to it are listed as comments (a spec does not hold
endpoints of containers it does not make). Examples:
  docknet export my-net                         # YAML on stdout
  docknet export shop_default shop_back -o shop-networks.yaml
  docknet validate shop-networks.yaml && docknet plan shop-networks.yaml`)
    .action(async (names: string[], opts: { output?: string }) => {
      const { exportNetworks } = await import('../lib/spec/export');
      const text = exportNetworks(await docknet().observe([]), names);
      if (!opts.output) return void process.stdout.write(text);
      writeFileSync(opts.output, text);
      process.stdout.write(`wrote ${opts.output}: ${names.length} ${names.length === 1 ? 'network' : 'networks'} (check it with docknet validate ${opts.output})\n`);
    });

  cmd.command('status')
    .description('report drift between specs and host: missing, changed, extra (exit 0 in sync, 2 drift); or, with --watch-url, what a running `docknet watch` is doing')
    .argument('[path...]', 'spec files or folders')
    .addOption(new Option('--json', 'machine-readable output'))
    .option('--watch-url <url>', 'ask a running reconciler instead, e.g. http://127.0.0.1:9479')
    .action(async (paths: string[], opts: { json?: boolean; watchUrl?: string }) => {
      if (opts.watchUrl) return watchStatus(opts.watchUrl, Boolean(opts.json));
      if (paths.length === 0) throw new Error('give spec paths, or --watch-url URL');
      const plan = await docknet().plan(loadSpecs(paths));
      const engine = plan.observed.engine;
      const drift = plan.actions.map((a) => ({
        stack: a.stack,
        kind: a.kind,
        name: a.name,
        state: a.op === 'create' || a.op === 'connect' ? 'missing' : a.op === 'remove' || a.op === 'disconnect' ? 'extra' : 'changed',
        reasons: a.reasons,
      }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ engine, inSync: drift.length === 0, stacks: plan.stacks, drift }, null, 2)}\n`);
      else {
        process.stdout.write(`engine ${describeEngine(engine)}\n`);
        if (drift.length === 0) process.stdout.write(`in sync: ${plan.stacks.join(', ')}\n`);
        else for (const d of drift) process.stdout.write(`${d.state.padEnd(8)} ${d.stack}/${d.kind} ${d.name}: ${d.reasons.join('; ')}\n`);
      }
      if (drift.length > 0) throw new Exit(EXIT.drift);
    });

  const watchCmd = cmd.command('watch')
    .description('the GitOps reconciler: converge this host to the specs in a git repository (or a folder), and keep it there')
    .option('--repo <url>', 'git repository: a path, file://, or any URL git can fetch')
    .option('--dir <dir>', 'a plain folder of specs, watched live (no git)')
    .option('--branch <branch>', 'branch to follow', 'main')
    .option('--path <dir>', 'folder of specs inside the repository; again for more folders (a fleet: --path hosts/h1 --path shared)', (dir: string, seen: string[]) => [...seen, dir], [] as string[])
    .option('--interval <duration>', 'poll the repository this often (the fallback when no hook or webhook reaches us)', '30s')
    .option('--resync <duration>', 're-check the host (firewall rules have no events) this often', '10s')
    .option('--listen <host:port>', 'HTTP endpoint: /healthz, /status, /metrics, /notify, /webhook, /suspend, /resume, /allow-prune', '127.0.0.1:9479')
    .option('--token-file <file>', 'token that POST /notify, /suspend, /resume and /allow-prune need (Authorization: Bearer <token>); the webhook secret works too')
    .option('--webhook-secret-file <file>', 'shared secret for X-Hub-Signature-256 webhooks (GitHub, Gitea, Forgejo)')
    .option('--require-signed-commits', 'apply only commits signed by a key in --allowed-signers')
    .option('--allowed-signers <file>', 'SSH allowed-signers file, or PGP public keys (armored); read afresh for every commit')
    .option('--max-prune <n>', 'a commit may remove at most this many stacks; one removing more is held until a person allows it', '1')
    .option('--allow-empty', 'let a spec folder without any spec file remove every stack (refused by default)')
    .option('--debounce <duration>', 'with --dir: a spec file must stay deleted this long before its stack is removed', '2s')
    .option('--git-timeout <duration>', 'stop (and report) a git or gpg call that takes longer', '60s')
    .option('--take-over-from <manager...>', 'take over stacks managed by these managers (e.g. watch:<id> of this reconciler before its --path changed) instead of leaving them alone')
    .option('--state-dir <dir>', 'where the reconciler keeps its mirror, checkouts and state (default ~/.docknet/watch/<id>)')
    .addHelpText('after', `
Triggers: a push (install the hook: docknet hook install BARE_REPO --token-file FILE), a signed
webhook (POST /webhook), polling at --interval, Docker events for what docknet owns, and a resync at
--resync. Bad commits change nothing and show in /status. Logs are JSON lines on stdout.
Nothing is removed because something is missing: a missing spec folder changes nothing, an empty one
removes stacks only with --allow-empty, and a commit removing more than --max-prune stacks is held
until allowed (docknet watch allow-prune COMMIT, or the commit trailer "Docknet-Allow-Prune: a, b").
Stacks another manager owns (docknet apply, Terraform, Pulumi) show as managed-elsewhere and are
left alone. SIGTERM lets the current step finish, then exits.`)
    .action(async (opts) => {
      const { watch } = await import('../reconciler/watch');
      try {
        await watch({ ...opts, ...engineChoice });
      } catch (e) {
        // At once and non-zero (a busy --listen port, a missing token file): nothing keeps running.
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exit(EXIT.error);
      }
      process.exit(0);
    });
  watchCmd.command('allow-prune')
    .description('allow a held commit to remove the stacks it removes (see pruneHold in docknet status --watch-url)')
    .argument('<commit>', 'the held commit (its id, or at least its first 7 characters)')
    .option('--watch-url <url>', 'the reconciler', DEFAULT_WATCH_URL)
    .option('--token-file <file>', 'the reconciler\'s token (its --token-file, or webhook secret file)')
    .action(async (commit: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals() as { watchUrl: string; tokenFile?: string };
      const { callReconciler } = await import('../reconciler/hook');
      const res = await callReconciler(opts.watchUrl, '/allow-prune', opts.tokenFile, { commit });
      const answer = (await res.json().catch(() => ({}))) as { error?: string; allowed?: string; stacks?: string[] };
      if (!res.ok) throw new Error(`${opts.watchUrl}/allow-prune: HTTP ${res.status}: ${answer.error ?? ''}`);
      process.stdout.write(`allowed: commit ${answer.allowed} may remove ${answer.stacks?.join(', ')}\n`);
    });

  const hook = cmd.command('hook').description('git hooks that notify running reconcilers');
  // Repeatable: a fleet has one reconciler per host following the same repository.
  const urls = (url: string, seen: string[]) => [...seen, url];
  const reconcilers = (given: string[]) => (given.length > 0 ? given : [DEFAULT_WATCH_URL]);
  hook.command('install')
    .description('write a post-receive hook into a bare repository: every push notifies the reconcilers at once')
    .argument('<bare-repo>', 'path of the bare repository')
    .option('--url <url>', `a reconciler (default ${DEFAULT_WATCH_URL}); again for more (a fleet: one per host)`, urls, [] as string[])
    .option('--token-file <file>', 'the reconcilers\' token, read by the hook at each push (the token is not copied into the hook)')
    .action(async (bare: string, opts: { url: string[]; tokenFile?: string }) => {
      const { installHook } = await import('../reconciler/hook');
      process.stdout.write(`installed ${installHook(bare, reconcilers(opts.url), opts.tokenFile)}\n`);
    });
  hook.command('notify')
    .description('tell the reconcilers that commits arrived (what the hook runs); never fails a push')
    .option('--url <url>', `a reconciler (default ${DEFAULT_WATCH_URL}); again for more`, urls, [] as string[])
    .option('--token-file <file>', 'the reconcilers\' token')
    .action(async (opts: { url: string[]; tokenFile?: string }) => {
      const { notifyAll } = await import('../reconciler/hook');
      await notifyAll(reconcilers(opts.url), opts.tokenFile);
    });

  for (const [verb, text] of [['suspend', 'pause reconciliation without stopping the reconciler'], ['resume', 'restart reconciliation']] as const) {
    cmd.command(verb)
      .description(text)
      .option('--watch-url <url>', 'the reconciler', DEFAULT_WATCH_URL)
      .option('--token-file <file>', 'the reconciler\'s token (its --token-file, or webhook secret file)')
      .action(async (opts: { watchUrl: string; tokenFile?: string }) => {
        const { callReconciler } = await import('../reconciler/hook');
        const res = await callReconciler(opts.watchUrl, `/${verb}`, opts.tokenFile);
        if (!res.ok) throw new Error(`${opts.watchUrl}/${verb}: HTTP ${res.status}: ${((await res.json().catch(() => ({}))) as { error?: string }).error ?? ''}`);
        process.stdout.write(`${verb === 'suspend' ? 'suspended' : 'resumed'}\n`);
      });
  }

  const terraform = cmd.command('terraform').description('the Terraform provider');
  terraform
    .command('install')
    .description('install the provider into a local filesystem mirror and write a Terraform CLI configuration')
    .option('--dir <dir>', 'where to put the mirror and the CLI configuration', `${process.env.HOME ?? '.'}/.docknet/terraform`)
    .addHelpText('after', '\nThen: export TF_CLI_CONFIG_FILE=<printed path>; in a configuration,\n  terraform { required_providers { docknet = { source = "local/docknet" } } }\nand terraform init works without a registry. From a checkout, the provider runs a copy of the\npackage installed under ~/.docknet/packages (DOCKNET_PACKAGES): rebuilding or moving the checkout\ndoes not change what Terraform runs; install again to take a new build.')
    .action(async (opts: { dir: string }) => {
      const { installProvider } = await import('../providers/terraform/install');
      const i = installProvider(opts.dir);
      process.stderr.write(`installed local/docknet ${i.version} into ${i.mirror} (it runs the docknet package in ${i.package})\n`);
      process.stdout.write(`export TF_CLI_CONFIG_FILE=${i.cliConfig}\nexport TERRAFORM_BINARY_NAME=${i.terraformWrapper}  # for cdktf\n`);
    });

  return cmd;
}

/**
 * A reader that went away (`docknet plan … | head -1`): what is left to print is dropped, quietly; the
 * work goes on to its end and its exit code (an apply is never cut off halfway by a closed pipe).
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  ignoreClosedPipes();
  const cmd = program();
  cmd.exitOverride();
  let code: number = EXIT.ok;
  try {
    await cmd.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (e instanceof Exit) code = e.code;
    else if (typeof err.code === 'string' && err.code.startsWith('commander.')) code = err.exitCode ?? EXIT.error;
    else {
      // One "error:" per line: every message is meant to be read as it is, and grepped.
      for (const line of (e instanceof Error ? e.message : String(e)).split('\n')) process.stderr.write(`error: ${line}\n`);
      code = e instanceof SpecError && SPEC_ONLY.has(running) ? EXIT.invalid : EXIT.error;
    }
    // Which engine said no (an unreachable engine names its endpoint in the message already).
    const facts = current?.engine.knownFacts;
    if (code !== EXIT.ok && !(e instanceof Exit) && facts) process.stderr.write(`error: on engine ${describeEngine(facts)}\n`);
  }
  process.exitCode = code;
}
