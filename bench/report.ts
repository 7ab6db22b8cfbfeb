/** The benchmark's one table (Markdown, so it pastes into issues and the README) and its JSON. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import type { BenchConfig } from './config';
import { ROOT } from './processes';
import type { Row, ScenarioReport } from './types';

/** Other processes using more than this share of the CPUs on average make wall times suspect. */
const BUSY_SHARE = 0.25;

export interface Machine {
	node: string;
	platform: string;
	cpus: number;
	cpuModel: string;
	memoryGiB: number;
	packages: Record<string, string>;
}

export function machine(): Machine {
	const version = (name: string) => {
		try {
			return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
		} catch {
			return 'unknown';
		}
	};
	const cores = cpus();
	return {
		node: process.version,
		platform: `${process.platform} ${process.arch}`,
		cpus: cores.length,
		cpuModel: cores[0]?.model.trim() ?? 'unknown',
		memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
		packages: { 'n8n-core': version('n8n-core'), 'n8n-workflow': version('n8n-workflow') },
	};
}

export interface Summary {
	targets: number;
	passed: number;
	missed: Row[];
	errors: Array<{ scenario: string; error: string }>;
}

export function summarize(scenarios: ScenarioReport[]): Summary {
	const rows = scenarios.flatMap((s) => s.rows);
	const withTarget = rows.filter((row) => row.pass !== undefined);
	return {
		targets: withTarget.length,
		passed: withTarget.filter((row) => row.pass).length,
		missed: withTarget.filter((row) => !row.pass),
		errors: scenarios.filter((s) => s.error).map((s) => ({ scenario: s.name, error: s.error ?? '' })),
	};
}

export function renderReport(config: BenchConfig, host: Machine, scenarios: ScenarioReport[], durationMs: number): string {
	const lines: string[] = [];
	const kind = config.mode === 'full' ? `full run, figures are medians of ${config.runs} runs` : `--quick smoke run, ${config.runs} run per figure, smaller sizes`;
	lines.push(`Stable Avatar node benchmark (${kind}); took ${formatDuration(durationMs)}`);
	lines.push(
		`Machine: Node ${host.node}, ${host.platform}, ${host.cpus} × ${host.cpuModel}, ${host.memoryGiB} GiB RAM; ` +
			`n8n-core ${host.packages['n8n-core']}, n8n-workflow ${host.packages['n8n-workflow']}; binary data: filesystem`,
	);
	lines.push('Emulator: test/emulator/cli.ts in its own process on 127.0.0.1, one per scenario:');
	for (const scenario of scenarios) lines.push(`  ${scenario.name}: ${scenario.emulator}`);
	lines.push('Setup:');
	for (const scenario of scenarios) lines.push(`  ${scenario.name}: ${scenario.setup}`);
	const known = scenarios.every((s) => s.otherCpus !== undefined);
	const loads = scenarios
		.map((s) => `${s.name} ${known ? (s.otherCpus ?? 0).toFixed(2) : (s.loadMax ?? Number.NaN).toFixed(1)}`)
		.join(', ');
	lines.push(
		known
			? `Other processes on the machine (average CPUs they used, of ${host.cpus}): ${loads}`
			: `Machine load (highest 1-min load average, benchmark included, ${host.cpus} CPUs): ${loads}`,
	);
	const busy = scenarios.filter((s) => (known ? (s.otherCpus ?? 0) > BUSY_SHARE * host.cpus : (s.loadMax ?? 0) > host.cpus));
	if (busy.length > 0) {
		lines.push(
			`  Note: other processes competed for the CPUs during ${busy.map((s) => s.name).join(', ')}: ` +
				'wall-time figures there may be pessimistic; run again on a quiet machine to confirm a miss.',
		);
	}
	lines.push('');

	const header = ['Scenario', 'Figure', 'Value', 'Target', 'Result'];
	const body = scenarios.flatMap((scenario) =>
		scenario.error
			? [[scenario.name, 'could not be measured', oneLine(scenario.error).slice(0, 120), '', 'ERROR']]
			: scenario.rows.map((row) => [row.scenario, row.figure, row.value, row.target, row.pass === undefined ? '-' : row.pass ? 'PASS' : 'FAIL']),
	);
	lines.push(...markdownTable(header, body));
	lines.push('');

	const summary = summarize(scenarios);
	if (summary.missed.length === 0 && summary.errors.length === 0) {
		lines.push(`All ${summary.targets} targets met.`);
	} else {
		const bar = '!'.repeat(78);
		lines.push(bar);
		if (summary.missed.length > 0) {
			lines.push(`!!  ${summary.missed.length} OF ${summary.targets} TARGETS MISSED:`);
			for (const row of summary.missed) lines.push(`!!    ${row.scenario}: ${row.figure} = ${row.value}, target ${row.target}`);
		}
		for (const error of summary.errors) lines.push(`!!  ${error.scenario} COULD NOT BE MEASURED: ${oneLine(error.error).slice(0, 300)}`);
		lines.push(bar);
	}
	return lines.join('\n');
}

function markdownTable(header: string[], rows: string[][]): string[] {
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
	const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

export function formatDuration(ms: number): string {
	const totalSeconds = Math.round(ms / 1000);
	const minutes = Math.floor(totalSeconds / 60);
	return minutes > 0 ? `${minutes} min ${totalSeconds % 60} s` : `${totalSeconds} s`;
}
