// Drives a fresh Ferrotype server with the official `@immich/sdk`, as a script or app built on it
// would. The SDK enforces JSON content types and Immich's success codes, so every call that
// passes here also answered with the status and media type Immich clients expect.
//
// Usage: node sdk-check.mjs <server url> <compat dir> <photo>
//   <server url>  e.g. http://127.0.0.1:2283 (no /api)
//   <compat dir>  the folder whose node_modules holds @immich/sdk (.cache/compat)
//   <photo>       a JPEG to upload
// Prints one line per step; exits 1 at the first failing step.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [serverUrl, compatDir, photoPath] = process.argv.slice(2);
if (!serverUrl || !compatDir || !photoPath) {
  console.error('usage: node sdk-check.mjs <server url> <compat dir> <photo>');
  process.exit(2);
}

// The SDK is installed outside this folder, so resolve it from there.
const require = createRequire(path.join(path.resolve(compatDir), 'package.json'));
const sdk = await import(pathToFileURL(require.resolve('@immich/sdk')).href);
const sdkPackage = path.join(path.resolve(compatDir), 'node_modules/@immich/sdk/package.json');
const sdkVersion = JSON.parse(await readFile(sdkPackage, 'utf8')).version;

const baseUrl = `${serverUrl.replace(/\/$/, '')}/api`;
const email = 'sdk-admin@example.com';
const password = 'sdk-password';

let passed = 0;
async function step(name, fn) {
  try {
    const result = await fn();
    passed += 1;
    console.log(`ok - ${name}`);
    return result;
  } catch (error) {
    console.log(`FAILED - ${name}`);
    console.log(describe(error));
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
}

function describe(error) {
  if (sdk.isHttpError(error)) {
    return `HttpError ${error.status}: ${JSON.stringify(error.data)}`;
  }
  if (error instanceof sdk.MalformedResponseError) {
    return `MalformedResponseError: ${error.message} (url ${error.url}, status ${error.status}, content type ${error.contentType})`;
  }
  return error?.stack ?? String(error);
}

/** Asserts that `promise` fails with Immich's JSON error body and the given status. */
async function rejectsWith(promise, status) {
  try {
    await promise;
  } catch (error) {
    assert.ok(sdk.isHttpError(error), `expected an HttpError, got ${describe(error)}`);
    assert.equal(error.status, status, JSON.stringify(error.data));
    assert.equal(typeof error.data?.message, 'string', JSON.stringify(error.data));
    return error.data;
  }
  assert.fail(`expected HTTP ${status}, but the call succeeded`);
}

const isUuid = (value) =>
  typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);

console.log(`@immich/sdk ${sdkVersion} against ${baseUrl}`);
sdk.setBaseUrl(baseUrl);

// Before anyone is signed up: the public endpoints.
await step('pingServer', async () => {
  assert.deepEqual(await sdk.pingServer(), { res: 'pong' });
});

await step('getServerConfig before sign-up', async () => {
  const config = await sdk.getServerConfig();
  assert.equal(config.isInitialized, false);
});

await step('getServerFeatures', async () => {
  const features = await sdk.getServerFeatures();
  assert.equal(features.passwordLogin, true);
  assert.equal(typeof features.trash, 'boolean');
});

const admin = await step('signUpAdmin', async () => {
  const user = await sdk.signUpAdmin({ signUpDto: { email, password, name: 'SDK Admin' } });
  assert.ok(isUuid(user.id), user.id);
  assert.equal(user.email, email);
  assert.equal(user.name, 'SDK Admin');
  assert.equal(user.isAdmin, true);
  return user;
});

await step('signUpAdmin a second time is refused', async () => {
  await rejectsWith(
    sdk.signUpAdmin({ signUpDto: { email: 'other@example.com', password, name: 'Other' } }),
    400,
  );
});

await step('login with a wrong password is refused', async () => {
  const body = await rejectsWith(
    sdk.login({ loginCredentialDto: { email, password: 'wrong' } }),
    401,
  );
  assert.equal(body.message, 'Incorrect email or password');
});

const session = await step('login', async () => {
  const auth = await sdk.login({ loginCredentialDto: { email, password } });
  assert.equal(typeof auth.accessToken, 'string');
  assert.ok(auth.accessToken.length > 0);
  assert.equal(auth.userId, admin.id);
  assert.equal(auth.userEmail, email);
  assert.equal(auth.isAdmin, true);
  return auth;
});
// Session calls pass the token per request; the API key (below) goes in the SDK's defaults.
const withSession = { headers: { Authorization: `Bearer ${session.accessToken}` } };

await step('validateAccessToken with the session', async () => {
  assert.deepEqual(await sdk.validateAccessToken(withSession), { authStatus: true });
});

const key = await step('createApiKey (all)', async () => {
  const created = await sdk.createApiKey({ apiKeyCreateDto: { name: 'sdk', permissions: ['all'] } }, withSession);
  assert.equal(typeof created.secret, 'string');
  assert.ok(created.secret.length > 0);
  assert.ok(isUuid(created.apiKey.id), created.apiKey.id);
  assert.equal(created.apiKey.name, 'sdk');
  assert.deepEqual(created.apiKey.permissions, ['all']);
  assert.equal(typeof created.apiKey.createdAt, 'string');
  return created;
});

const readOnlyKey = await step('createApiKey (asset.read)', async () => {
  const created = await sdk.createApiKey(
    { apiKeyCreateDto: { name: 'read-only', permissions: ['asset.read'] } },
    withSession,
  );
  assert.deepEqual(created.apiKey.permissions, ['asset.read']);
  return created;
});

sdk.init({ baseUrl, apiKey: key.secret });

const me = await step('getMyUser', async () => {
  const user = await sdk.getMyUser();
  assert.equal(user.id, admin.id);
  assert.equal(user.email, email);
  assert.equal(user.isAdmin, true);
  return user;
});

await step('getServerVersion', async () => {
  const version = await sdk.getServerVersion();
  assert.equal(version.major, 3);
  assert.equal(version.minor, 2);
  assert.equal(version.patch, 2);
});

await step('getAboutInfo', async () => {
  const about = await sdk.getAboutInfo();
  assert.equal(typeof about.version, 'string');
  assert.match(about.version, /3\.2\.2/);
  assert.equal(typeof about.versionUrl, 'string');
  assert.equal(typeof about.licensed, 'boolean');
});

await step('getServerConfig after sign-up', async () => {
  const config = await sdk.getServerConfig();
  assert.equal(config.isInitialized, true);
});

await step('getSupportedMediaTypes', async () => {
  const types = await sdk.getSupportedMediaTypes();
  for (const ext of ['.jpg', '.jpeg', '.heic', '.png', '.webp']) {
    assert.ok(types.image.includes(ext), `image types lack ${ext}`);
  }
  for (const ext of ['.mp4', '.mov']) {
    assert.ok(types.video.includes(ext), `video types lack ${ext}`);
  }
  assert.ok(types.sidecar.includes('.xmp'), 'sidecar types lack .xmp');
});

await step('getAssetStatistics (empty)', async () => {
  assert.deepEqual(await sdk.getAssetStatistics({}), { images: 0, videos: 0, total: 0 });
});

const photo = await readFile(photoPath);
const photoName = path.basename(photoPath);
const sha1 = createHash('sha1').update(photo).digest();
const uploadDto = () => ({
  assetData: new File([photo], photoName, { type: 'application/octet-stream' }),
  fileCreatedAt: '2024-05-01T10:00:00.000Z',
  fileModifiedAt: '2024-05-01T10:00:00.000Z',
  isFavorite: false,
});

await step('checkBulkUpload before the upload', async () => {
  const { results } = await sdk.checkBulkUpload({
    assetBulkUploadCheckDto: { assets: [{ id: 'photo', checksum: sha1.toString('hex') }] },
  });
  assert.deepEqual(results, [{ id: 'photo', action: 'accept' }]);
});

const asset = await step('uploadAsset (new)', async () => {
  const response = await sdk.uploadAsset({ assetMediaCreateDto: uploadDto() });
  assert.ok(isUuid(response.id), response.id);
  assert.equal(response.status, 'created');
  return response;
});

await step('uploadAsset (same bytes again: duplicate)', async () => {
  const response = await sdk.uploadAsset({ assetMediaCreateDto: uploadDto() });
  assert.deepEqual(response, { id: asset.id, status: 'duplicate' });
});

await step('uploadAsset with x-immich-checksum (duplicate)', async () => {
  const response = await sdk.uploadAsset({
    xImmichChecksum: sha1.toString('hex'),
    assetMediaCreateDto: uploadDto(),
  });
  assert.deepEqual(response, { id: asset.id, status: 'duplicate' });
});

await step('checkBulkUpload after the upload', async () => {
  const { results } = await sdk.checkBulkUpload({
    assetBulkUploadCheckDto: {
      assets: [
        { id: 'hex', checksum: sha1.toString('hex') },
        { id: 'base64', checksum: sha1.toString('base64') },
        { id: 'other', checksum: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      ],
    },
  });
  assert.equal(results.length, 3);
  for (const [i, id] of ['hex', 'base64'].entries()) {
    assert.equal(results[i].id, id);
    assert.equal(results[i].action, 'reject');
    assert.equal(results[i].reason, 'duplicate');
    assert.equal(results[i].assetId, asset.id);
    assert.equal(results[i].isTrashed, false);
  }
  assert.deepEqual(results[2], { id: 'other', action: 'accept' });
});

await step('getAssetInfo', async () => {
  const info = await sdk.getAssetInfo({ id: asset.id });
  assert.equal(info.id, asset.id);
  assert.equal(info.type, 'IMAGE');
  assert.equal(info.originalFileName, photoName);
  assert.equal(info.ownerId, me.id);
  assert.equal(info.checksum, sha1.toString('base64'));
});

await step('getAssetStatistics (one image)', async () => {
  assert.deepEqual(await sdk.getAssetStatistics({}), { images: 1, videos: 0, total: 1 });
});

const album = await step('createAlbum', async () => {
  const created = await sdk.createAlbum({
    createAlbumDto: { albumName: 'SDK album', description: 'made by sdk-check' },
  });
  assert.ok(isUuid(created.id), created.id);
  assert.equal(created.albumName, 'SDK album');
  assert.equal(created.description, 'made by sdk-check');
  assert.equal(created.assetCount, 0);
  assert.equal(created.shared, false);
  // Immich 3 names the owner among the album's users.
  assert.deepEqual(
    created.albumUsers.map((u) => [u.role, u.user.id]),
    [['owner', me.id]],
  );
  return created;
});

const emptyAlbum = await step('createAlbum (a second, empty one)', async () => {
  const created = await sdk.createAlbum({ createAlbumDto: { albumName: 'SDK empty album' } });
  assert.equal(created.assetCount, 0);
  return created;
});

await step('addAssetsToAlbum', async () => {
  const results = await sdk.addAssetsToAlbum({ id: album.id, bulkIdsDto: { ids: [asset.id] } });
  assert.deepEqual(results, [{ id: asset.id, success: true }]);
});

await step('addAssetsToAlbum again (already there)', async () => {
  const results = await sdk.addAssetsToAlbum({ id: album.id, bulkIdsDto: { ids: [asset.id] } });
  assert.equal(results.length, 1);
  assert.equal(results[0].id, asset.id);
  assert.equal(results[0].success, false);
  assert.equal(results[0].error, 'duplicate');
});

await step('getAllAlbums', async () => {
  const albums = await sdk.getAllAlbums({});
  const counts = Object.fromEntries(albums.map((a) => [a.id, [a.albumName, a.assetCount]]));
  assert.deepEqual(counts, {
    [album.id]: ['SDK album', 1],
    [emptyAlbum.id]: ['SDK empty album', 0],
  });
});

await step('getAllAlbums by name', async () => {
  const albums = await sdk.getAllAlbums({ name: 'SDK empty album' });
  assert.deepEqual(
    albums.map((a) => a.id),
    [emptyAlbum.id],
  );
});

await step('getAllAlbums by assetId', async () => {
  const albums = await sdk.getAllAlbums({ assetId: asset.id });
  assert.deepEqual(
    albums.map((a) => a.id),
    [album.id],
  );
});

await step('getAlbumInfo', async () => {
  const info = await sdk.getAlbumInfo({ id: album.id });
  assert.equal(info.id, album.id);
  assert.equal(info.albumName, 'SDK album');
  assert.equal(info.assetCount, 1);
});

await step('validateAccessToken with the API key', async () => {
  assert.deepEqual(await sdk.validateAccessToken(), { authStatus: true });
});

await step('getMyApiKey', async () => {
  const mine = await sdk.getMyApiKey();
  assert.equal(mine.id, key.apiKey.id);
  assert.equal(mine.name, 'sdk');
  assert.deepEqual(mine.permissions, ['all']);
});

await step('getApiKeys', async () => {
  const keys = await sdk.getApiKeys();
  assert.deepEqual(keys.map((k) => k.id).sort(), [key.apiKey.id, readOnlyKey.apiKey.id].sort());
});

await step('a key without user.read cannot getMyUser', async () => {
  sdk.setApiKey(readOnlyKey.secret);
  try {
    assert.deepEqual((await sdk.getMyApiKey()).permissions, ['asset.read']);
    await rejectsWith(sdk.getMyUser(), 403);
  } finally {
    sdk.setApiKey(key.secret);
  }
});

await step('deleteApiKey', async () => {
  await sdk.deleteApiKey({ id: readOnlyKey.apiKey.id });
  const keys = await sdk.getApiKeys();
  assert.deepEqual(
    keys.map((k) => k.id),
    [key.apiKey.id],
  );
});

await step('a deleted key is refused', async () => {
  sdk.setApiKey(readOnlyKey.secret);
  try {
    await rejectsWith(sdk.getMyApiKey(), 401);
  } finally {
    sdk.setApiKey(key.secret);
  }
});

await step('logout with the session', async () => {
  // Only the session goes with these calls: take the API key out of the SDK's defaults.
  delete sdk.defaults.headers['x-api-key'];
  const result = await sdk.logout(withSession);
  assert.equal(result.successful, true);
  assert.equal(typeof result.redirectUri, 'string');
});

await step('the session is gone after logout', async () => {
  await rejectsWith(sdk.validateAccessToken(withSession), 401);
});

await step('the API key still works after logout', async () => {
  sdk.setApiKey(key.secret);
  assert.equal((await sdk.getMyUser()).id, admin.id);
});

console.log(`${passed} passed, 0 failed`);
