/**
 * How the node's requests use the credential, run through n8n's engine against the fal emulator.
 * In n8n, loading a credential means a database read and a decryption, and applying its declarative
 * `authenticate` an expression evaluation: a batch must pay neither per request.
 */
import { credentialCalls } from '../../../harness/credentials';
import { TEST_API_KEY, useFalEmulator } from '../../../harness/fal';
import { avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

const ITEMS = 6;

describe('FalHttp', () => {
	beforeEach(() => {
		credentialCalls.decrypted = 0;
		credentialCalls.authenticated = 0;
	});

	test('a batch loads the credential once, signs its own requests, and the key goes with each fal API request and nowhere else', async () => {
		const run = await ctx.run(avatarWorkflow(Array.from({ length: ITEMS }, (_, id) => ({ json: { id } })), urlInputs()));

		expect(run.status).toBe('success');
		const keyed = ctx.fal.log.filter((entry) => entry.authorization !== undefined);
		// Submit, status stream and result for each item; the video downloads carry no key.
		expect(keyed.map((entry) => entry.route).sort()).toEqual(
			[...Array<string>(ITEMS).fill('result'), ...Array<string>(ITEMS).fill('stream'), ...Array<string>(ITEMS).fill('submit')].sort(),
		);
		expect(keyed.every((entry) => entry.authorization === `Key ${TEST_API_KEY}`)).toBe(true);
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn').map((entry) => entry.authorization)).toEqual(Array(ITEMS).fill(undefined));
		expect(credentialCalls.authenticated).toBe(0);
		expect(credentialCalls.decrypted).toBe(1);
	});
});
