/**
 * `ceph auth ...` (AuthMonitor::preprocess_command / prepare_command) with Ceph's messages and the
 * keyring text and JSON forms of KeyRing / KeyServer::encode_secrets / CryptoKey::encode_formatted.
 */
import { EntityName, formatEntityName, parseEntityName } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { KeyRing, EntityAuth, MonCap, OSDCap, MgrCap, capsBlob, capsText } from '@ts-ceph/cephx/core';
import { CommandHandler, CommandRequest, fail, formatterFor, ok, proposeThen, reply } from '../commands/types';
import { getStr, getStrVec } from '../commands/cmdmap';
import { AuthMonitor } from './auth-monitor';
import { JsonFormatter } from '@ts-ceph/maps';

/** valid_caps: mon caps always parse-checked; osd/mgr too (mon_auth_validate_all_caps); mds accepted. */
export function validCaps(type: string, caps: string): string | undefined {
  try {
    if (type === 'mon') MonCap.parse(caps);
    else if (type === 'osd') OSDCap.parse(caps);
    else if (type === 'mgr') MgrCap.parse(caps);
    else if (type !== 'mds') return `unknown cap type '${type}'`;
  } catch (e) {
    // Ceph's parsers name where they stopped but not the offset (MonCap::parse, OSDCap::parse).
    return (e as Error).message.replace(/ \(position \d+\)$/, '');
  }
  return undefined;
}

function validCapsVec(caps: string[]): string | undefined {
  for (let i = 0; i < caps.length; i += 2) {
    if (i + 1 >= caps.length) return `cap '${caps[i]}' has no value`;
    const err = validCaps(caps[i]!, caps[i + 1]!);
    if (err) return err;
  }
  return undefined;
}

function capsMap(caps: string[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (let i = 0; i + 1 < caps.length; i += 2) m.set(caps[i]!, capsBlob(caps[i + 1]!));
  return new Map([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** KeyRing::encode_formatted: [{"entity":..,"key":..,"caps":{svc: text}}] */
export function keyringJSON(f: JsonFormatter, label: string, entries: { name: EntityName; auth: EntityAuth }[]): void {
  f.openArray(label);
  for (const { name, auth } of entries) {
    f.openObject('auth_entities');
    f.dumpString('entity', formatEntityName(name));
    f.dumpString('key', auth.key.toBase64());
    f.openObject('caps');
    for (const svc of [...auth.caps.keys()].sort()) f.dumpString(svc, capsText({ allowAll: false, caps: auth.caps.get(svc)! }));
    f.close();
    f.close();
  }
  f.close();
}

function keyringOut(req: CommandRequest, entries: { name: EntityName; auth: EntityAuth }[]): string {
  const f = formatterFor(req);
  if (f) {
    keyringJSON(f, 'auth', entries);
    return f.toString();
  }
  const kr = new KeyRing();
  for (const e of entries) kr.add(e.name, e.auth);
  return kr.format();
}

function keyOut(req: CommandRequest, auth: EntityAuth): string {
  const f = formatterFor(req);
  if (f) {
    f.openObject('auth');
    f.dumpString('key', auth.key.toBase64());
    f.close();
    return f.toString();
  }
  return auth.key.toBase64();
}

function entityArg(req: CommandRequest, badMsg: string): EntityName | undefined {
  const s = getStr(req.cmdmap, 'entity', '');
  if (!s) return undefined;
  const n = parseEntityName(s);
  if (!n) throw cephError('EINVAL', badMsg.replace('%s', s));
  return n;
}

export function authCommands(am: AuthMonitor): Record<string, CommandHandler> {
  const ks = am.keyServer;
  const allEntries = () => [...ks.data.secrets.values()].sort((a, b) => (formatEntityName(a.name) < formatEntityName(b.name) ? -1 : 1));

  const exportCmd: CommandHandler = (req) => {
    const name = entityArg(req, 'invalid entity_auth %s');
    if (name) {
      const auth = am.getAuth(name);
      if (!auth) return fail('ENOENT', `no key for ${formatEntityName(name)}`);
      return reply(0, `export auth(key=${auth.key.toBase64()})`, keyringOut(req, [{ name, auth }]));
    }
    return reply(0, 'exported master keyring', keyringOut(req, allEntries()));
  };

  const get: CommandHandler = (req) => {
    const name = entityArg(req, 'invalid entity_auth %s');
    if (!name) return fail('EINVAL', 'invalid command');
    const auth = am.getAuth(name);
    if (!auth) return fail('ENOENT', `failed to find ${formatEntityName(name)} in keyring`);
    return reply(0, `exported keyring for ${formatEntityName(name)}`, keyringOut(req, [{ name, auth }]));
  };

  const getKey: CommandHandler = (req) => {
    const name = entityArg(req, 'invalid entity_auth %s');
    const auth = name && am.getAuth(name);
    if (!name || !auth) return fail('ENOENT', `don't have ${name ? formatEntityName(name) : ''}`);
    return ok(keyOut(req, auth));
  };

  const ls: CommandHandler = (req) => {
    const f = formatterFor(req);
    if (f) {
      f.openObject('auth');
      keyringJSON(f, 'auth_dump', allEntries());
      f.close();
      return ok(f.toString());
    }
    let out = '';
    for (const { name, auth } of allEntries()) {
      out += `${formatEntityName(name)}\n\tkey: ${auth.key.toBase64()}\n`;
      for (const svc of [...auth.caps.keys()].sort()) out += `\tcaps: [${svc}] ${capsText({ allowAll: false, caps: auth.caps.get(svc)! })}\n`;
    }
    return reply(0, out ? 'installed auth entries:\n' : 'no installed auth entries!\n', out);
  };

  const prep = (req: CommandRequest) => {
    const caps = getStrVec(req.cmdmap, 'caps') ?? [];
    if (caps.length % 2) throw cephError('EINVAL', 'bad capabilities request; odd number of arguments');
    return { caps, name: entityArg(req, 'bad entity name') };
  };

  const importCmd: CommandHandler = (req) => {
    if (req.inbuf.length === 0) return fail('EINVAL', 'auth import: no data supplied');
    let kr: KeyRing;
    try {
      kr = KeyRing.decode(req.inbuf, 'input');
    } catch (e) {
      return fail('EINVAL', `error decoding keyring ${(e as Error).message}`);
    }
    if (kr.entries().some((e) => e.auth.caps.size === 0)) return fail('EINVAL', 'auth import: no caps supplied');
    for (const e of kr.entries()) am.addEntity(e.name, e.auth);
    return proposeThen([am], 0, 'imported keyring');
  };

  const add: CommandHandler = (req) => {
    const { caps, name } = prep(req);
    if (!name) return fail('EINVAL', 'invalid command');
    const hasKeyring = req.inbuf.length > 0;
    let fromKeyring: EntityAuth | undefined;
    if (hasKeyring) {
      let kr: KeyRing;
      try {
        kr = KeyRing.decode(req.inbuf, 'input');
      } catch {
        return fail('EINVAL', 'error decoding keyring');
      }
      fromKeyring = kr.get(name);
      if (!fromKeyring) return fail('EINVAL', `key for ${formatEntityName(name)} not found in provided keyring`);
      if (caps.length && fromKeyring.caps.size) return fail('EINVAL', 'caps cannot be specified both in keyring and in command');
    }
    const bad = validCapsVec(caps);
    if (bad) return fail('EINVAL', bad);
    if (am.isPending(name)) return proposeThen([am], 0, '');
    const newCaps = caps.length || !fromKeyring ? capsMap(caps) : fromKeyring.caps;
    const existing = am.getAuth(name);
    const n = formatEntityName(name);
    if (existing) {
      if (hasKeyring && fromKeyring && !existing.key.secret.equals(fromKeyring.key.secret)) return fail('EEXIST', `entity ${n} exists but key does not match`);
      if (newCaps.size !== existing.caps.size) return fail('EINVAL', `entity ${n} exists but caps do not match`);
      for (const [svc, c] of newCaps) {
        if (!existing.caps.get(svc)?.equals(c)) return fail('EINVAL', `entity ${n} exists but cap ${svc} does not match`);
      }
      return ok();
    }
    am.addEntity(name, { key: fromKeyring?.key ?? ks.generateSecret(req.now), caps: newCaps });
    return proposeThen([am], 0, `added key for ${n}`);
  };

  const getOrCreate: CommandHandler = (req) => {
    const { caps, name } = prep(req);
    if (!name) return fail('EINVAL', 'invalid command');
    const bad = validCapsVec(caps);
    if (bad) return fail('EINVAL', bad);
    const wanted = capsMap(caps);
    const n = formatEntityName(name);
    const isKey = req.prefix === 'auth get-or-create-key';
    const out = (auth: EntityAuth) => (isKey ? keyOut(req, auth) : keyringOut(req, [{ name, auth: formatterFor(req) ? auth : { key: auth.key, caps: new Map() } }]));
    const existing = am.getAuth(name);
    if (existing) {
      for (const [svc, c] of wanted) if (!existing.caps.get(svc)?.equals(c)) return fail('EINVAL', `key for ${n} exists but cap ${svc} does not match`);
      return ok(out(existing));
    }
    if (am.isPending(name)) return { propose: [am], reply: () => ({ r: 0, rs: '', outbl: Buffer.from(out(am.getAuth(name)!)) }) };
    const auth: EntityAuth = { key: ks.generateSecret(req.now), caps: wanted };
    am.addEntity(name, auth);
    return proposeThen([am], 0, '', out(auth));
  };

  const capsCmd: CommandHandler = (req) => {
    const { caps, name } = prep(req);
    if (!name) return fail('EINVAL', 'invalid command');
    const existing = am.getAuth(name);
    if (!existing) return fail('ENOENT', `couldn't find entry ${formatEntityName(name)}`);
    const bad = validCapsVec(caps);
    if (bad) return fail('EINVAL', bad);
    am.addEntity(name, { key: existing.key, caps: capsMap(caps) });
    return proposeThen([am], 0, `updated caps for ${formatEntityName(name)}`);
  };

  const del: CommandHandler = (req) => {
    const { name } = prep(req);
    if (!name) return fail('EINVAL', 'invalid command');
    if (!am.contains(name)) return reply(0, `entity ${formatEntityName(name)} does not exist`);
    am.removeEntity(name);
    return proposeThen([am], 0, 'updated');
  };

  return {
    'auth export': exportCmd,
    'auth get': get,
    'auth get-key': getKey,
    'auth print-key': getKey,
    'auth print_key': getKey,
    'auth ls': ls,
    'auth list': ls,
    'auth import': importCmd,
    'auth add': add,
    'auth get-or-create': getOrCreate,
    'auth get-or-create-key': getOrCreate,
    'auth caps': capsCmd,
    'auth del': del,
    'auth rm': del,
  };
}
