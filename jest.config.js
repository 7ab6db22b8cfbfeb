/** Tests run TypeScript straight from source; `npm run typecheck` does the type checking. */

// n8n's logger prints every node error; tests assert on errors instead. Set N8N_LOG_LEVEL to see them.
process.env.N8N_LOG_LEVEL ??= 'silent';

module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
	},
	testTimeout: 60_000,
};
