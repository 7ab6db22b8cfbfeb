/** fal's webhook signature scheme: header parsing, the signed message, Ed25519 over a set of keys, the time window. */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

import {
	isTimestampFresh,
	parseSignatureHeaders,
	signedMessage,
	verifiesWithAny,
} from '../../../../../nodes/StableAvatar/transport/webhooks/signature';

const good = {
	'x-fal-webhook-request-id': 'req-1',
	'x-fal-webhook-user-id': 'user-1',
	'x-fal-webhook-timestamp': '1700000000',
	'x-fal-webhook-signature': 'ab'.repeat(64),
};

describe('parseSignatureHeaders', () => {
	test('reads the four headers', () => {
		expect(parseSignatureHeaders(good)).toEqual({
			ok: true,
			headers: { requestId: 'req-1', userId: 'user-1', timestamp: 1700000000, signature: Buffer.from('ab'.repeat(64), 'hex') },
		});
	});

	test.each(['x-fal-webhook-request-id', 'x-fal-webhook-user-id', 'x-fal-webhook-timestamp', 'x-fal-webhook-signature'])('missing %s', (name) => {
		expect(parseSignatureHeaders({ ...good, [name]: undefined })).toEqual({ ok: false, reason: 'missingHeaders' });
	});

	test.each([
		['x-fal-webhook-timestamp', '17e8'],
		['x-fal-webhook-timestamp', '-5'],
		['x-fal-webhook-signature', 'ab'.repeat(63)],
		['x-fal-webhook-signature', 'zz'.repeat(64)],
		['x-fal-webhook-request-id', ''],
		['x-fal-webhook-user-id', 'a\nb'],
	])('malformed %s = %j', (name, value) => {
		expect(parseSignatureHeaders({ ...good, [name]: value })).toEqual({ ok: false, reason: 'malformedHeaders' });
	});

	test('a header sent twice is missing, not guessed', () => {
		expect(parseSignatureHeaders({ ...good, 'x-fal-webhook-request-id': ['a', 'b'] })).toEqual({ ok: false, reason: 'missingHeaders' });
	});
});

describe('signedMessage and verifiesWithAny', () => {
	const body = Buffer.from('{"request_id":"req-1","status":"OK"}');
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const other = generateKeyPairSync('ed25519').publicKey;
	const parsed = parseSignatureHeaders(good);
	if (!parsed.ok) throw new Error('fixture');
	const message = signedMessage(parsed.headers, body);

	test('is request id, user id, timestamp and the body hash, one per line', () => {
		expect(message.toString()).toBe(`req-1\nuser-1\n1700000000\n${createHash('sha256').update(body).digest('hex')}`);
	});

	test('accepts when any key verifies, refuses otherwise or when a byte changed', () => {
		const signature = sign(null, message, privateKey);
		expect(verifiesWithAny([other, publicKey], message, signature)).toBe(true);
		expect(verifiesWithAny([other], message, signature)).toBe(false);
		expect(verifiesWithAny([], message, signature)).toBe(false);
		const tampered = signedMessage(parsed.headers, Buffer.concat([body, Buffer.from(' ')]));
		expect(verifiesWithAny([publicKey], tampered, signature)).toBe(false);
	});
});

describe('isTimestampFresh', () => {
	const now = 1_700_000_000_000;
	test.each([
		[1_700_000_000, true],
		[1_700_000_000 - 300, true],
		[1_700_000_000 + 300, true],
		[1_700_000_000 - 301, false],
		[1_700_000_000 + 301, false],
	])('%i at now → %s', (timestamp, fresh) => {
		expect(isTimestampFresh(timestamp, now)).toBe(fresh);
	});
});
