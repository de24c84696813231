#!/usr/bin/env node
// Reads what a built addon needs from the system it loads on, without binutils (so the
// publishing gate also runs on macOS): for ELF, the NEEDED libraries, RPATH/RUNPATH and the
// highest GLIBC_/GLIBCXX_/CXXABI_ symbol versions (what decides the oldest distribution the
// binary loads on); for Mach-O (thin or universal), each slice's architecture, minimum macOS,
// linked dylibs and whether it carries a valid code signature (arm64 macOS kills code whose
// signature is missing or does not match, e.g. after `strip`).
//
//   node scripts/prebuild/inspect.js FILE...      prints one JSON report per file
//
// Used by check.js (the prepublishOnly gate). abi-report.js reports more (exported symbols, AVX)
// with binutils/otool on the build machine.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');

// ---------------------------------------------------------------------------------------- ELF

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

function cString(buf, offset) {
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

/** Compares dotted version strings numerically ("2.31" < "2.4" is false). */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

function inspectElf(buf) {
  if (buf[4] !== 2 || buf[5] !== 1) {
    throw new Error('only 64-bit little-endian ELF (x64, arm64) is supported');
  }
  const machine = buf.readUInt16LE(0x12);
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      size: Number(buf.readBigUInt64LE(at + 0x20)),
      link: buf.readUInt32LE(at + 0x28),
      info: buf.readUInt32LE(at + 0x2c),
    });
  }

  const needed = [];
  const neededOffsets = {};
  let rpath = null;
  let runpath = null;
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) {
    const strtab = sections[dynamic.link].offset;
    for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
      const tag = Number(buf.readBigInt64LE(at));
      if (tag === 0) break;
      const value = Number(buf.readBigUInt64LE(at + 8));
      if (tag === DT_NEEDED) {
        const name = cString(buf, strtab + value);
        needed.push(name);
        neededOffsets[name] = strtab + value;
      } else if (tag === DT_RPATH) {
        rpath = cString(buf, strtab + value);
      } else if (tag === DT_RUNPATH) {
        runpath = cString(buf, strtab + value);
      }
    }
  }

  // Symbol versions required, per library (Elf64_Verneed / Elf64_Vernaux chains).
  const versionsByLibrary = {};
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (verneed) {
    const strtab = sections[verneed.link].offset;
    let at = verneed.offset;
    for (let n = 0; n < verneed.info; n++) {
      const count = buf.readUInt16LE(at + 2);
      const file = cString(buf, strtab + buf.readUInt32LE(at + 4));
      const names = (versionsByLibrary[file] = versionsByLibrary[file] || []);
      let aux = at + buf.readUInt32LE(at + 8);
      for (let k = 0; k < count; k++) {
        names.push(cString(buf, strtab + buf.readUInt32LE(aux + 8)));
        aux += buf.readUInt32LE(aux + 12);
      }
      const next = buf.readUInt32LE(at + 12);
      if (next === 0) break;
      at += next;
    }
  }

  // The floor: the highest version per prefix, over every library.
  const floor = {};
  for (const names of Object.values(versionsByLibrary)) {
    for (const name of names) {
      const m = /^(GLIBC|GLIBCXX|CXXABI)_([0-9.]+)$/.exec(name);
      if (!m) continue;
      if (!floor[m[1]] || compareVersions(m[2], floor[m[1]]) > 0) floor[m[1]] = m[2];
    }
  }

  const arch = { 0x3e: 'x64', 0xb7: 'arm64' }[machine] || `machine-${machine}`;
  return { format: 'elf', arch, needed, rpath, runpath, floor, versionsByLibrary, neededOffsets };
}

// ------------------------------------------------------------------------------------- Mach-O

const CPU_TYPES = { 0x01000007: 'x86_64', 0x0100000c: 'arm64' };
const LC_LOAD_DYLIB = 0xc;
const LC_CODE_SIGNATURE = 0x1d;
const LC_BUILD_VERSION = 0x32;
const LC_VERSION_MIN_MACOSX = 0x24;

function decodeMachoVersion(v) {
  return `${v >>> 16}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

// Checks the code directory hashes of an embedded signature against the slice's bytes: a binary
// stripped (or otherwise edited) after linking keeps its signature command but fails this.
function verifyCodeSignature(slice, dataoff, datasize) {
  const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
  const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
  const HASHES = { 1: 'sha1', 2: 'sha256' };
  const blob = slice.subarray(dataoff, dataoff + datasize);
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) return false;
  let directories = 0;
  for (let i = 0; i < blob.readUInt32BE(8); i++) {
    const cd = blob.readUInt32BE(12 + i * 8 + 4);
    if (blob.readUInt32BE(cd) !== CSMAGIC_CODEDIRECTORY) continue;
    const hashOffset = blob.readUInt32BE(cd + 16);
    const nCodeSlots = blob.readUInt32BE(cd + 28);
    const codeLimit = blob.readUInt32BE(cd + 32);
    const hashSize = blob[cd + 36];
    const algorithm = HASHES[blob[cd + 37]];
    const pageSize = 2 ** blob[cd + 39];
    if (!algorithm) return false;
    for (let k = 0; k < nCodeSlots; k++) {
      const page = slice.subarray(k * pageSize, Math.min((k + 1) * pageSize, codeLimit));
      const want = blob.subarray(cd + hashOffset + k * hashSize, cd + hashOffset + (k + 1) * hashSize);
      const got = crypto.createHash(algorithm).update(page).digest().subarray(0, hashSize);
      if (!got.equals(want)) return false;
    }
    directories++;
  }
  return directories > 0;
}

function inspectMachoSlice(file, base, size) {
  const buf = file.subarray(base, base + size);
  base = 0;
  if (buf.readUInt32LE(base) !== 0xfeedfacf) throw new Error('only 64-bit Mach-O is supported');
  const cputype = buf.readUInt32LE(base + 4);
  const ncmds = buf.readUInt32LE(base + 16);
  const slice = { arch: CPU_TYPES[cputype] || `cpu-${cputype}`, minos: null, dylibs: [], signed: false, signatureValid: null };
  let at = base + 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(at) & 0x7fffffff; // strip LC_REQ_DYLD
    const size = buf.readUInt32LE(at + 4);
    if (cmd === LC_BUILD_VERSION) slice.minos = decodeMachoVersion(buf.readUInt32LE(at + 12));
    else if (cmd === LC_VERSION_MIN_MACOSX) slice.minos = decodeMachoVersion(buf.readUInt32LE(at + 8));
    else if (cmd === LC_CODE_SIGNATURE) {
      slice.signed = true;
      slice.signatureValid = verifyCodeSignature(buf, buf.readUInt32LE(at + 8), buf.readUInt32LE(at + 12));
    } else if (cmd === LC_LOAD_DYLIB) slice.dylibs.push(cString(buf, at + buf.readUInt32LE(at + 8)));
    at += size;
  }
  return slice;
}

function inspectMacho(buf) {
  if (buf.readUInt32BE(0) === 0xcafebabe) {
    const count = buf.readUInt32BE(4);
    const slices = [];
    for (let i = 0; i < count; i++) {
      const entry = 8 + i * 20;
      slices.push(inspectMachoSlice(buf, buf.readUInt32BE(entry + 8), buf.readUInt32BE(entry + 12)));
    }
    return { format: 'macho', universal: true, slices };
  }
  return { format: 'macho', universal: false, slices: [inspectMachoSlice(buf, 0, buf.length)] };
}

// ----------------------------------------------------------------------------------------------

/** Describes what the binary at `file` needs at load time (see the header comment). */
function inspectBinary(file) {
  const buf = fs.readFileSync(file);
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46) return inspectElf(buf);
  if (buf.length >= 4 && (buf.readUInt32LE(0) === 0xfeedfacf || buf.readUInt32BE(0) === 0xcafebabe)) {
    return inspectMacho(buf);
  }
  throw new Error(`${file}: neither ELF nor Mach-O`);
}

module.exports = { inspectBinary, compareVersions };

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const report = inspectBinary(file);
    delete report.neededOffsets;
    console.log(JSON.stringify({ file, ...report }, null, 2));
  }
}
