/**
 * The project's address is set once, as `homepage` in package.json; everything else that links to
 * the project (repository, bugs, the Docs links in the editor, README, CHANGELOG) must agree with it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { FalApi } from '../../credentials/FalApi.credentials';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	homepage: string;
	repository: { type: string; url: string };
	bugs: { url: string };
	n8n: { nodes: string[] };
};
const home = manifest.homepage;

/** Every link to a GitHub repository of this package's name, in the files that talk about the project. */
function projectLinks(): Array<{ file: string; url: string }> {
	const files = [
		'README.md',
		'CHANGELOG.md',
		'credentials/FalApi.credentials.ts',
		...manifest.n8n.nodes.map((node) => node.replace(/^dist\//, '').replace(/\.js$/, '.json')),
		...readdirSync(join(root, '.github/workflows')).map((name) => `.github/workflows/${name}`),
	].filter((file) => existsSync(join(root, file)));
	return files.flatMap((file) =>
		[...readFileSync(join(root, file), 'utf8').matchAll(/https?:\/\/github\.com\/[\w.-]+\/n8n-nodes-stable-avatar[^\s)"'`>\]]*/g)].map(
			([url]) => ({ file, url }),
		),
	);
}

describe('the project address', () => {
	test('is this project\'s own GitHub repository', () => {
		expect(home).toMatch(/^https:\/\/github\.com\/[\w.-]+\/n8n-nodes-stable-avatar$/);
	});

	test('repository and bugs are derived from it', () => {
		expect(manifest.repository).toEqual({ type: 'git', url: `git+${home}.git` });
		expect(manifest.bugs.url).toBe(`${home}/issues`);
	});

	test('the Docs links of every node and of the credential open its README', () => {
		for (const node of manifest.n8n.nodes) {
			const codex = JSON.parse(readFileSync(join(root, node.replace(/^dist\//, '').replace(/\.js$/, '.json')), 'utf8'));
			for (const { url } of [...codex.resources.primaryDocumentation, ...(codex.resources.credentialDocumentation ?? [])]) {
				expect(url.startsWith(`${home}#`)).toBe(true);
			}
		}
		expect(new FalApi().documentationUrl.startsWith(`${home}#`)).toBe(true);
	});

	test('every other link to the project agrees with it', () => {
		const links = projectLinks();
		expect(links.length).toBeGreaterThan(0);
		expect(links.filter(({ url }) => !(url === home || url.startsWith(`${home}/`) || url.startsWith(`${home}#`)))).toEqual([]);
	});

	test('README anchors the Docs links use exist', () => {
		const readme = readFileSync(join(root, 'README.md'), 'utf8');
		const anchors = new Set(
			[...readme.matchAll(/^#{1,6} (.+)$/gm)].map(([, title]) =>
				title.toLowerCase().trim().replace(/[^\w\- ]/g, '').replace(/ /g, '-'),
			),
		);
		anchors.add('readme');
		const used = [new FalApi().documentationUrl, ...projectLinks().map(({ url }) => url)]
			.filter((url) => url.startsWith(`${home}#`))
			.map((url) => url.slice(home.length + 1));
		for (const anchor of used) expect([anchor, anchors.has(anchor)]).toEqual([anchor, true]);
	});
});
