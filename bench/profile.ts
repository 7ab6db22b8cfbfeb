/**
 * Reads a V8 .cpuprofile (as written by `npm run bench -- --only overhead --cpu-prof`) and says where
 * the time went: self time by origin (this node, n8n-core, axios, Node's own http/net/fs, GC…),
 * the hottest functions, and the inclusive time of the calls that matter for this node.
 *
 *   npx tsx bench/profile.ts bench/results/profiles/overhead-run.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

/** Inclusive time of these functions (first match by name) tells what each step of an item costs. */
const STEPS = [
	'execute',
	'prepare',
	'run',
	'httpRequestWithAuthentication',
	'authenticate',
	'getCredentials',
	'httpRequest',
	'prepareBinaryData',
	'store',
	'submit',
	'statusStream',
	'result',
	'videoItem',
	'readServerSentEvents',
	'getNodeParameter',
];

export function summarizeProfile(path: string, items?: number): string {
	const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

	// Samples taken inside the benchmark's own profiler calls (start/stop) are not the node's work.
	const ownFrame = (frame: ProfileNode['callFrame']) => frame.url.endsWith('bench/child.ts') && /startProfiler|stop/.test(frame.functionName);
	const excluded = new Set<number>();
	for (const node of profile.nodes) {
		for (let at: number | undefined = node.id; at !== undefined; at = parent.get(at)) {
			if (ownFrame(byId.get(at)!.callFrame)) {
				excluded.add(node.id);
				break;
			}
		}
	}
	const selfUs = new Map<number, number>();
	profile.samples.forEach((id, index) => {
		if (!excluded.has(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
	});
	const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

	const byOrigin = new Map<string, number>();
	const byCaller = new Map<string, number>();
	const byFunction = new Map<string, number>();
	const inclusive = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const node = byId.get(id)!;
		const origin = originOf(node.callFrame.url, node.callFrame.functionName);
		byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
		const caller = callerOf(id, byId, parent);
		byCaller.set(caller, (byCaller.get(caller) ?? 0) + us);
		const name = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
		byFunction.set(name, (byFunction.get(name) ?? 0) + us);
		// Inclusive: charge each step name once per sample, however deep it recurs.
		const seen = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at)!.callFrame;
			if (STEPS.includes(frame.functionName) && !seen.has(frame.functionName)) {
				seen.add(frame.functionName);
				inclusive.set(frame.functionName, (inclusive.get(frame.functionName) ?? 0) + us);
			}
		}
	}

	const active = totalUs - (byOrigin.get('(idle)') ?? 0);
	const per = (us: number) => `${(us / 1000).toFixed(1).padStart(8)} ms${items ? ` ${(us / 1000 / items).toFixed(2).padStart(6)} ms/item` : ''}  ${((100 * us) / active).toFixed(1).padStart(5)}%`;
	const lines = [`${path}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${(active / 1000).toFixed(0)} ms busy${items ? ` (${items} items)` : ''}`];
	lines.push('Self time by origin (share of busy time):');
	for (const [origin, us] of sorted(byOrigin)) if (origin !== '(idle)') lines.push(`  ${per(us)}  ${origin}`);
	lines.push('Self time charged to the nearest package or node frame on the stack (who asked for it):');
	for (const [caller, us] of sorted(byCaller)) if (caller !== '(idle)') lines.push(`  ${per(us)}  ${caller}`);
	lines.push('Hottest functions (self):');
	for (const [name, us] of sorted(byFunction).filter(([n]) => !n.startsWith('(idle)')).slice(0, 20)) lines.push(`  ${per(us)}  ${name}`);
	lines.push('Inclusive time of steps (synchronous part only: work after an await is charged to its own frames):');
	for (const [name, us] of sorted(inclusive)) lines.push(`  ${per(us)}  ${name}`);
	return lines.join('\n');
}

/** The origin of the first frame up the stack that is not Node.js itself or native code. */
function callerOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
	const leaf = byId.get(id)!.callFrame;
	if (leaf.functionName === '(idle)' || leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') {
		return originOf(leaf.url, leaf.functionName);
	}
	for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
		const frame = byId.get(at)!.callFrame;
		if (frame.url === '' || frame.url.startsWith('node:')) continue;
		return originOf(frame.url, frame.functionName);
	}
	return 'Node.js only (event loop, socket and stream callbacks)';
}

function originOf(url: string, functionName: string): string {
	if (functionName === '(idle)') return '(idle)';
	if (functionName === '(garbage collector)') return '(garbage collector)';
	if (functionName === '(program)') return '(program: V8/native outside JS)';
	if (url.includes('/nodes/StableAvatar/')) return 'this node (nodes/StableAvatar)';
	if (url.includes('/test/harness/')) return 'test harness (credentials helper)';
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
	if (pkg) return pkg[1];
	if (url.startsWith('node:') || url === '') return `Node.js internals${url ? '' : ' / native'}`;
	return shortUrl(url);
}

function shortUrl(url: string): string {
	const pkg = /node_modules\/(.*)$/.exec(url);
	if (pkg) return pkg[1];
	return url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
}

function sorted(map: Map<string, number>): Array<[string, number]> {
	return [...map.entries()].sort((a, b) => b[1] - a[1]);
}

if (require.main === module) {
	const [path, items] = process.argv.slice(2);
	if (!path) {
		process.stderr.write('Usage: npx tsx bench/profile.ts FILE.cpuprofile [ITEMS]\n');
		process.exit(2);
	}
	process.stdout.write(`${summarizeProfile(path, items ? Number(items) : undefined)}\n`);
}
