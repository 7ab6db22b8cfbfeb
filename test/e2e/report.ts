/** Runs each scenario, keeps going after a failure, and prints one table at the end. */
export interface ScenarioResult {
	/** The n8n execution status. */
	status: string;
	videoBytes?: number[];
	/** Trigger scenarios: what fal's deliveries turned into. */
	deliveries?: DeliveryCounts;
	note?: string;
}

/** Per trigger scenario: jobs submitted, trigger executions started, and what they delivered. */
export interface DeliveryCounts {
	submitted: number;
	executions: number;
	/** Videos written byte for byte as the emulator served them. */
	intact: number;
	/** Trigger executions beyond the first for one request id. */
	duplicates: number;
	/** Deliveries the trigger answered 401. */
	rejected: number;
}

interface Row extends ScenarioResult {
	mode: string;
	workflow: string;
	seconds: number;
	passed: boolean;
}

export class Report {
	private readonly rows: Row[] = [];

	constructor(private readonly log: (line: string) => void) {}

	get failed(): boolean {
		return this.rows.some((row) => !row.passed);
	}

	async scenario(mode: string, workflow: string, run: () => Promise<ScenarioResult>): Promise<void> {
		this.log(`▶ ${mode}: ${workflow}`);
		const started = Date.now();
		try {
			const result = await run();
			this.rows.push({ mode, workflow, ...result, seconds: elapsed(started), passed: true });
			this.log(`  ✔ ${result.status}${result.videoBytes ? `, video bytes ${videoBytesText(result.videoBytes)}` : ''}`);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.rows.push({ mode, workflow, status: 'FAILED', note: message, seconds: elapsed(started), passed: false });
			this.log(`  ✘ ${message}`);
		}
	}

	/** A step every scenario of a mode depends on (e.g. starting Postgres) failed. */
	setupFailed(mode: string, error: unknown): void {
		const message = error instanceof Error ? error.message : String(error);
		this.rows.push({ mode, workflow: '(setup)', status: 'FAILED', note: message, seconds: 0, passed: false });
		this.log(`  ✘ ${mode} setup: ${message}`);
	}

	/** One line: how many scenarios ran and passed, in which modes, and which failed. */
	summary(): string {
		const passed = this.rows.filter((row) => row.passed).length;
		const modes = [...new Set(this.rows.map((row) => row.mode))].join(', ');
		const failed = this.rows.filter((row) => !row.passed).map((row) => `${row.mode}: ${row.workflow}`);
		return `${passed} of ${this.rows.length} scenarios passed (${modes || 'none ran'})${failed.length ? `; FAILED: ${failed.join('; ')}` : ''}`;
	}

	table(): string {
		const header = ['mode', 'workflow', 'execution', 'video bytes', 'jobs', 'runs', 'intact', 'dupes', '401s', 'time', 'check'];
		const lines = this.rows.map((row) => [
			row.mode,
			row.workflow,
			row.status,
			row.videoBytes?.length ? videoBytesText(row.videoBytes) : '-',
			...countCells(row.deliveries),
			`${row.seconds.toFixed(1)} s`,
			row.passed ? `ok${row.note ? `: ${row.note}` : ''}` : `FAILED: ${firstLine(row.note)}`,
		]);
		const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
		const format = (cells: string[]) =>
			cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
		return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
	}
}

/** `12345, 67890`, or `10 × 12345` when many videos have one size. */
function videoBytesText(bytes: number[]): string {
	if (bytes.length > 3 && bytes.every((size) => size === bytes[0])) return `${bytes.length} × ${bytes[0]}`;
	return bytes.join(', ');
}

function countCells(counts: DeliveryCounts | undefined): string[] {
	if (!counts) return ['-', '-', '-', '-', '-'];
	return [counts.submitted, counts.executions, counts.intact, counts.duplicates, counts.rejected].map(String);
}

function elapsed(started: number): number {
	return (Date.now() - started) / 1000;
}

function firstLine(text = ''): string {
	return text.split('\n')[0];
}
