/**
 * `npm run bench`: runs the Stable Avatar node inside n8n's real engine against the local fal
 * emulator (each in its own process, on 127.0.0.1 only) and prints one table of figures with their
 * targets, also saved as JSON.
 *
 *   npm run bench                      full run (~7 min on 2 cores), bench/results/latest.json
 *   npm run bench -- --quick           short smoke version (~1.5 min), bench/results/latest-quick.json
 *   npm run bench -- --only batch,memory --runs 5      bench/results/latest-partial.json (or --json PATH)
 *   npm run bench -- --only overhead --cpu-prof   + a V8 CPU profile of the node (bench/results/profiles/)
 *
 * Scenarios: batch, scaling, completion, memory, overhead, preflight, uploads, inflight, queued, connections, refusals (bench/scenarios/). The exit code is 0
 * whether or not the targets are met (it is a report; misses are printed loudly); it is 1 only when
 * a figure could not be measured at all.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { FULL, QUICK, type BenchConfig } from '../bench/config';
import { watchLoad } from '../bench/machine-load';
import { killStartedProcesses, ROOT } from '../bench/processes';
import { machine, renderReport, summarize } from '../bench/report';
import { batch } from '../bench/scenarios/batch';
import { completion } from '../bench/scenarios/completion';
import { connections, inflight, queued } from '../bench/scenarios/inflight';
import { memory } from '../bench/scenarios/memory';
import { overhead } from '../bench/scenarios/overhead';
import { preflight } from '../bench/scenarios/preflight';
import { refusals } from '../bench/scenarios/refusals';
import type { Scenario } from '../bench/scenarios/scenario';
import { scaling } from '../bench/scenarios/scaling';
import { uploads } from '../bench/scenarios/uploads';
import type { ScenarioReport } from '../bench/types';

const SCENARIOS: Scenario[] = [batch, scaling, completion, memory, overhead, preflight, uploads, inflight, queued, connections, refusals];

interface Options {
	config: BenchConfig;
	only?: string[];
	jsonPath: string;
	cpuProfileDir?: string;
}

function parseArguments(argv: string[]): Options {
	let quick = false;
	let runs: number | undefined;
	let only: string[] | undefined;
	let jsonPath: string | undefined;
	let cpuProfile = false;
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) throw new Error(`${flag} needs a value`);
			return next;
		};
		if (flag === '--quick') quick = true;
		else if (flag === '--runs') runs = Number(value());
		else if (flag === '--only') only = value().split(',').map((s) => s.trim()).filter(Boolean);
		else if (flag === '--json') jsonPath = value();
		else if (flag === '--cpu-prof') cpuProfile = true;
		else if (flag === '--help' || flag === '-h') {
			process.stdout.write('Usage: npm run bench -- [--quick] [--runs N] [--only batch,scaling,completion,memory,overhead,preflight,uploads,inflight,queued,connections,refusals] [--json PATH] [--cpu-prof]\n');
			process.exit(0);
		} else throw new Error(`unknown flag ${flag} (try --help)`);
	}
	if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error('--runs needs a whole number ≥ 1');
	const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
	if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
	const base = quick ? QUICK : FULL;
	return {
		config: { ...base, runs: runs ?? base.runs },
		only,
		// Only a complete full run replaces latest.json; partial and quick runs keep their own files.
		jsonPath: jsonPath ?? join(ROOT, 'bench', 'results', quick ? 'latest-quick.json' : only || runs !== undefined ? 'latest-partial.json' : 'latest.json'),
		cpuProfileDir: cpuProfile ? join(ROOT, 'bench', 'results', 'profiles') : undefined,
	};
}

async function main(): Promise<void> {
	const options = parseArguments(process.argv.slice(2));
	const { config } = options;
	const workDir = mkdtempSync(join(tmpdir(), 'stable-avatar-bench-'));
	const cleanUp = () => rmSync(workDir, { recursive: true, force: true });
	// Whatever ends this process, the emulators and engine children it started end with it.
	process.on('exit', killStartedProcesses);
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			killStartedProcesses();
			cleanUp();
			process.exit(signal === 'SIGINT' ? 130 : 143);
		});
	}
	const progress = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

	const host = machine();
	const startedAt = new Date();
	progress(`${config.mode} run on Node ${host.node}, ${host.cpus} CPUs; scratch in ${workDir}`);
	const reports: ScenarioReport[] = [];
	try {
		for (const scenario of SCENARIOS) {
			if (options.only && !options.only.includes(scenario.id)) continue;
			progress(`${scenario.title}…`);
			const start = Date.now();
			// Other work on the machine skews wall times: note how much CPU it took while the scenario ran.
			const load = watchLoad();
			try {
				const report = await scenario.run({ config, workDir, progress, cpuProfileDir: options.cpuProfileDir });
				reports.push({ ...report, durationMs: Date.now() - start, ...load.stop() });
			} catch (error) {
				const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
				progress(`${scenario.title} FAILED: ${message}`);
				reports.push({ name: scenario.title, emulator: '-', setup: '-', rows: [], runs: [], durationMs: Date.now() - start, ...load.stop(), error: message });
			}
		}
	} finally {
		cleanUp();
	}

	const durationMs = Date.now() - startedAt.getTime();
	const text = renderReport(config, host, reports, durationMs);
	process.stdout.write(`\n${text}\n`);

	const summary = summarize(reports);
	mkdirSync(dirname(options.jsonPath), { recursive: true });
	writeFileSync(
		options.jsonPath,
		`${JSON.stringify(
			{
				benchmark: 'n8n-nodes-stable-avatar',
				mode: config.mode,
				startedAt: startedAt.toISOString(),
				durationMs,
				command: ['scripts/bench.ts', ...process.argv.slice(2)].join(' '),
				machine: host,
				config,
				summary: {
					targets: summary.targets,
					passed: summary.passed,
					missed: summary.missed.map((row) => `${row.scenario}: ${row.figure}`),
					errors: summary.errors,
				},
				rows: reports.flatMap((r) => r.rows),
				scenarios: reports,
				table: text,
			},
			null,
			'\t',
		)}\n`,
	);
	process.stdout.write(`Saved to ${relative(process.cwd(), options.jsonPath) || options.jsonPath}\n`);
	process.exit(summary.errors.length > 0 ? 1 : 0);
}

main().catch((error: Error) => {
	process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
	process.exit(1);
});
