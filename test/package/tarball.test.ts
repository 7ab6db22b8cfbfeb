/**
 * What `npm publish` would ship, checked from a real pack of a fresh build (made in a temp copy, so
 * the working tree's dist/ is left alone): only runtime files, and it passes the ESLint legs of
 * `@n8n/scan-community-package`, the check n8n runs before verifying a package. The scanner's other
 * legs (registry metadata, provenance, downloading the attested source) need a published release;
 * here both lint legs run offline, on the source and on the unpacked tarball, as the scanner runs them.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
let work: string;
let unpacked: string;
let files: string[];

/**
 * Runs a tool offline, outside jest's NODE_ENV=test: eslint-plugin-n8n-nodes-base lints differently
 * under it (its filename rules use a test file name), and the real scanner runs without it.
 */
function run(command: string, args: string[], cwd: string): string {
	const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true' };
	delete env.NODE_ENV;
	return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
}

function listFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((entry) => entry.isFile())
		.map((entry) => relative(dir, join(entry.parentPath, entry.name)))
		.sort();
}

beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'stable-avatar-pack-'));
	const stage = join(work, 'stage');
	for (const entry of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'gulpfile.js', '.npmrc', 'nodes', 'credentials', 'icons']) {
		cpSync(join(root, entry), join(stage, entry), { recursive: true });
	}
	symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));
	run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], stage);
	run(process.execPath, [join(root, 'node_modules/gulp/bin/gulp.js'), 'build:icons'], stage);
	const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage)) as Array<{ filename: string }>;
	run('tar', ['-xzf', join(work, packed.filename), '-C', work], work);
	unpacked = join(work, 'package');
	files = listFiles(unpacked);
}, 300_000);

afterAll(() => {
	if (work) rmSync(work, { recursive: true, force: true });
});

describe('the published tarball', () => {
	test('holds only dist runtime files (code, codex, icons), README, LICENSE and package.json', () => {
		const runtime = /^dist\/(nodes|credentials)\/.+\.(js|node\.json)$|^dist\/icons\/[\w.-]+\.svg$/;
		const strays = files.filter((file) => !['package.json', 'README.md', 'LICENSE'].includes(file) && !runtime.test(file));
		expect(strays).toEqual([]);
	});

	test('has no tests, source maps, TypeScript sources or declarations', () => {
		expect(files.filter((file) => /\.(ts|map)$|(^|\/)test\//.test(file))).toEqual([]);
	});

	test('has every file package.json points n8n at, the codex and icons beside them', () => {
		const manifest = require(join(unpacked, 'package.json')) as { n8n: { nodes: string[]; credentials: string[] }; main?: string };
		for (const entry of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) expect(files).toContain(entry);
		for (const node of manifest.n8n.nodes) expect(files).toContain(node.replace(/\.js$/, '.json'));
		expect(files).toEqual(expect.arrayContaining(['dist/icons/fal.svg', 'dist/icons/fal.dark.svg']));
		// n8n loads the files listed under "n8n"; a "main" would have to name a file that exists.
		if (manifest.main !== undefined) expect(files).toContain(manifest.main);
	});

	test('passes both lint legs of @n8n/scan-community-package: the source and the unpacked tarball', () => {
		// The scanner is an ES module: run its own analyzePackage() with the file patterns its CLI uses.
		const script = `
			import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';
			const [source, tarball] = process.argv.slice(1);
			const results = {
				source: await analyzePackage(source, SOURCE_FILE_PATTERNS),
				tarball: await analyzePackage(tarball, ['**/*.js', 'package.json']),
			};
			for (const r of Object.values(results)) delete r.error;
			process.stdout.write(JSON.stringify(results));
		`;
		const output = run(process.execPath, ['--input-type=module', '-e', script, root, unpacked], root);
		const results = JSON.parse(output.slice(output.indexOf('{'))) as Record<string, { passed: boolean; message?: string; details?: string }>;
		expect(results.source).toEqual({ passed: true });
		expect(results.tarball).toEqual({ passed: true });
	}, 180_000);
});
