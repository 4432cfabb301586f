// A small evaluator over go-syntax.mjs trees: enough of Go's semantics to run the functions that build Terraform
// schemas (composite literals, helper calls across packages, `s := helper(); s.ForceNew = true; return s`, loops that
// merge maps, `delete`, `append`). Whatever it cannot follow becomes { k: "unknown" } and is reported, never guessed.
import { posix } from "node:path";
import { parseFile } from "./go-syntax.mjs";

const MAX_DEPTH = 60;

export const unknown = (why) => ({ k: "unknown", why });

export class GoProgram {
  /**
   * files: Map<path, text>; modules: [{ prefix, dir }] maps import paths to folders of the tree
   * (e.g. "github.com/scaleway/terraform-provider-scaleway/v2/" -> "").
   */
  constructor(files, modules, intrinsics = {}) {
    this.modules = modules;
    this.intrinsics = intrinsics;
    this.packages = new Map(); // dir -> { name, funcs: Map, methods: Map<"Recv.name">, values: Map, files: [] }
    for (const [path, text] of files) {
      let parsed;
      try {
        parsed = parseFile(text, path);
      } catch (error) {
        continue; // tooling files the reader does not handle; none declare schemas
      }
      const dir = posix.dirname(path);
      const pkg = this.packages.get(dir) ?? { dir, name: parsed.pkg, funcs: new Map(), methods: new Map(), values: new Map(), files: [] };
      this.packages.set(dir, pkg);
      const file = { path, pkg, imports: parsed.imports, ast: parsed };
      pkg.files.push(file);
      for (const fn of parsed.funcs) {
        const entry = { decl: fn, file };
        if (fn.recv) pkg.methods.set(`${fn.recv.replace(/\[.*$/, "")}.${fn.name}`, entry);
        else pkg.funcs.set(fn.name, entry);
      }
      for (const value of parsed.values) if (value.expr) pkg.values.set(value.name, { expr: value.expr, file });
    }
    this.valueCache = new Map();
    this.depth = 0;
    this.unresolved = [];
  }

  /** The package folder an import path names, or undefined for packages outside the tree. */
  dirOfImport(path) {
    for (const { prefix, dir } of this.modules) {
      if (path === prefix.replace(/\/$/, "")) return dir.replace(/\/$/, "") || ".";
      if (path.startsWith(prefix)) return posix.join(dir, path.slice(prefix.length));
    }
    return undefined;
  }

  /** alias -> { dir, path } for a file's imports. */
  importsOf(file) {
    if (file.importMap) return file.importMap;
    const map = new Map();
    for (const { alias, path } of file.imports) {
      const dir = this.dirOfImport(path);
      const name = alias ?? (dir && this.packages.get(dir)?.name) ?? path.split("/").filter((part) => !/^v\d+$/.test(part)).at(-1);
      map.set(name, { dir, path });
    }
    file.importMap = map;
    return map;
  }

  envFor(file, locals = new Map(), parent) {
    return { file, pkg: file.pkg, locals, parent };
  }

  lookupLocal(env, name) {
    for (let scope = env; scope; scope = scope.parent) if (scope.locals.has(name)) return scope;
    return undefined;
  }

  /** The value of a package-level name (function or var/const) of `pkg`. */
  packageMember(pkg, name) {
    const fn = pkg.funcs.get(name);
    if (fn) return { k: "func", decl: fn.decl, file: fn.file, name: `${pkg.dir}.${name}` };
    const value = pkg.values.get(name);
    if (value) {
      const key = `${pkg.dir}.${name}`;
      if (!this.valueCache.has(key)) {
        this.valueCache.set(key, unknown(`cycle in ${key}`));
        this.valueCache.set(key, this.eval(value.expr, this.envFor(value.file)));
      }
      return this.valueCache.get(key);
    }
    return undefined;
  }

  eval(x, env) {
    if (!x) return unknown("missing expression");
    switch (x.kind) {
      case "lit":
        if (x.litKind === "string") return { k: "str", v: x.value };
        if (x.litKind === "number") return { k: "num", v: Number(x.value.replace(/_/g, "")) };
        return unknown("rune");
      case "ident": {
        const scope = this.lookupLocal(env, x.name);
        if (scope) return scope.locals.get(x.name);
        if (x.name === "true" || x.name === "false") return { k: "bool", v: x.name === "true" };
        if (x.name === "nil") return { k: "nil" };
        const member = this.packageMember(env.pkg, x.name);
        if (member) return member;
        return { k: "sym", name: x.name };
      }
      case "sel": {
        if (x.x.kind === "ident" && !this.lookupLocal(env, x.x.name)) {
          const imported = this.importsOf(env.file).get(x.x.name);
          if (imported) {
            const pkg = imported.dir && this.packages.get(imported.dir);
            const member = pkg && this.packageMember(pkg, x.name);
            if (member) return member;
            return { k: "sym", name: `${x.x.name}.${x.name}` };
          }
        }
        const base = this.eval(x.x, env);
        if (base.k === "struct") {
          if (base.fields.has(x.name)) return base.fields.get(x.name);
          const method = this.methodOf(base, x.name);
          if (method) return { ...method, recv: base };
          return unknown(`field ${x.name} of ${base.type}`);
        }
        return unknown(`selector .${x.name}`);
      }
      case "paren":
        return this.eval(x.x, env);
      case "assert":
        return this.eval(x.x, env);
      case "unary": {
        const value = this.eval(x.x, env);
        if (x.op === "&" || x.op === "*") return value;
        if (x.op === "!" && value.k === "bool") return { k: "bool", v: !value.v };
        if (x.op === "-" && value.k === "num") return { k: "num", v: -value.v };
        return unknown(`unary ${x.op}`);
      }
      case "binary": {
        const a = this.eval(x.x, env);
        const b = this.eval(x.y, env);
        if (x.op === "+" && a.k === "str" && b.k === "str") return { k: "str", v: a.v + b.v };
        if (a.k === "num" && b.k === "num") {
          const ops = { "+": (p, q) => p + q, "-": (p, q) => p - q, "*": (p, q) => p * q, "/": (p, q) => p / q };
          if (ops[x.op]) return { k: "num", v: ops[x.op](a.v, b.v) };
        }
        if (x.op === "&&" && a.k === "bool" && b.k === "bool") return { k: "bool", v: a.v && b.v };
        if (x.op === "||" && a.k === "bool" && b.k === "bool") return { k: "bool", v: a.v || b.v };
        if (x.op === "&&" && ((a.k === "bool" && !a.v) || (b.k === "bool" && !b.v))) return { k: "bool", v: false };
        if (x.op === "||" && ((a.k === "bool" && a.v) || (b.k === "bool" && b.v))) return { k: "bool", v: true };
        if ((x.op === "==" || x.op === "!=") && ["str", "num", "bool"].includes(a.k) && a.k === b.k) {
          return { k: "bool", v: (a.v === b.v) === (x.op === "==") };
        }
        return unknown(`binary ${x.op}`);
      }
      case "funclit":
        return { k: "func", decl: { params: x.params, body: x.body, name: "func literal" }, file: env.file, closure: env };
      case "composite":
        return this.composite(x, env, undefined);
      case "index": {
        const base = this.eval(x.x, env);
        const index = x.index ? this.eval(x.index, env) : unknown("slice");
        if (base.k === "map" && index.k === "str") return base.entries.get(index.v) ?? unknown(`no key ${index.v}`);
        if (base.k === "list" && index.k === "num") return base.items[index.v] ?? unknown("index out of range");
        if (base.k === "func" || base.k === "sym") return base; // generic instantiation
        return unknown("index");
      }
      case "call":
        return this.call(x, env);
      case "typeexpr":
        return { k: "type", text: x.text };
      default:
        return unknown(x.kind);
    }
  }

  methodOf(struct, name) {
    const typeName = struct.type?.replace(/^\*/, "").split(".").at(-1);
    const pkg = struct.pkg;
    const entry = pkg?.methods.get(`${typeName}.${name}`);
    return entry ? { k: "func", decl: entry.decl, file: entry.file, name: `${pkg.dir}.${typeName}.${name}` } : undefined;
  }

  /** Element type of a map or slice type text: "map[string]*schema.Schema" -> "*schema.Schema". */
  static elementType(type) {
    if (!type) return undefined;
    if (type.startsWith("map[")) {
      let depth = 0;
      for (let i = 3; i < type.length; i++) {
        if (type[i] === "[") depth++;
        else if (type[i] === "]" && --depth === 0) return type.slice(i + 1);
      }
    }
    if (type.startsWith("[]")) return type.slice(2);
    return undefined;
  }

  composite(x, env, contextType) {
    const type = (x.type ?? contextType)?.replace(/^\*/, "");
    const element = GoProgram.elementType(type);
    const isMap = type?.startsWith("map[") || (!type && x.elts.some((e) => e.key && e.key.kind === "lit"));
    const isList = type?.startsWith("[") || (!type && x.elts.every((e) => !e.key) && x.elts.length > 0);
    const value = (e) => (e.value.kind === "composite" && !e.value.type ? this.composite(e.value, env, element) : this.eval(e.value, env));
    if (isMap) {
      const entries = new Map();
      for (const e of x.elts) {
        const key = e.key ? this.eval(e.key, env) : unknown("no key");
        entries.set(key.k === "str" ? key.v : `<unknown key ${e.key?.name ?? ""}>`, value(e));
      }
      return { k: "map", entries };
    }
    if (isList) return { k: "list", items: x.elts.map(value) };
    const fields = new Map();
    for (const e of x.elts) {
      if (e.key?.kind === "ident") fields.set(e.key.name, value(e));
    }
    // the package a struct type belongs to, for its methods
    let pkg = env.pkg;
    if (type?.includes(".")) {
      const imported = this.importsOf(env.file).get(type.split(".")[0]);
      pkg = imported?.dir ? this.packages.get(imported.dir) : undefined;
    }
    return { k: "struct", type: type ?? "?", fields, pkg, line: x.line, file: env.file.path };
  }

  call(x, env) {
    const fn = this.eval(x.fn, env);
    const args = () => x.args.map((arg) => this.eval(arg, env));
    if (fn.k === "sym") {
      switch (fn.name) {
        case "make":
          return x.args[0]?.kind === "typeexpr" && x.args[0].text.startsWith("map[") ? { k: "map", entries: new Map() } : { k: "list", items: [] };
        case "append": {
          const [list, ...rest] = args();
          if (list?.k !== "list") return unknown("append to non-list");
          const items = [...list.items];
          for (const item of rest) {
            if (x.ellipsis && item.k === "list") items.push(...item.items);
            else items.push(item);
          }
          return { k: "list", items };
        }
        case "delete": {
          const [map, key] = args();
          if (map?.k === "map" && key?.k === "str") map.entries.delete(key.v);
          return { k: "nil" };
        }
        case "maps.Copy": {
          const [to, from] = args();
          if (to?.k === "map" && from?.k === "map") for (const [k, v] of from.entries) to.entries.set(k, v);
          return { k: "nil" };
        }
        case "string":
          return args()[0] ?? unknown("string()");
        default:
          // an external call: keep its name, which carries meaning (stringplanmodifier.RequiresReplace, ...)
          return { k: "call", name: fn.name, args: x.args };
      }
    }
    if (fn.k !== "func") return unknown(`call of ${fn.k}`);
    const intrinsic = this.intrinsics[fn.name];
    if (intrinsic) return intrinsic(args(), this);
    return this.invoke(fn, args(), x.ellipsis);
  }

  /** Runs a function with argument values; returns its first result. */
  invoke(fn, args, ellipsis = false) {
    if (!fn.decl.body) return unknown(`no body for ${fn.name}`);
    if (this.depth > MAX_DEPTH) return unknown("call depth");
    this.depth++;
    try {
      const locals = new Map();
      const params = fn.decl.params ?? [];
      params.forEach((param, i) => {
        if (!param.name || param.name === "_") return;
        if (param.type.startsWith("...")) {
          const rest = args.slice(i);
          locals.set(param.name, ellipsis && rest.length === 1 && rest[0].k === "list" ? rest[0] : { k: "list", items: rest });
        } else locals.set(param.name, args[i] ?? { k: "struct", type: param.type, fields: new Map(), param: true });
      });
      const env = fn.closure ? { file: fn.file, pkg: fn.file.pkg, locals, parent: fn.closure } : this.envFor(fn.file, locals);
      if (fn.recv && fn.decl.recvName) locals.set(fn.decl.recvName, fn.recv);
      const result = this.run(fn.decl.body, env);
      return result ?? { k: "nil" };
    } finally {
      this.depth--;
    }
  }

  /** Executes statements; returns the value of a `return`, or undefined. */
  run(stmts, env) {
    for (const stmt of stmts) {
      const result = this.exec(stmt, env);
      if (result) return result;
    }
    return undefined;
  }

  exec(stmt, env) {
    switch (stmt.kind) {
      case "return":
        return stmt.results.length > 0 ? this.eval(stmt.results[0], env) : { k: "nil" };
      case "assign": {
        if (stmt.op !== "=" && stmt.op !== ":=") return undefined;
        const values = stmt.rhs.length === stmt.lhs.length ? stmt.rhs.map((e) => this.eval(e, env)) : stmt.lhs.map(() => unknown("multiple results"));
        stmt.lhs.forEach((target, i) => this.assign(target, values[i], env, stmt.op === ":="));
        return undefined;
      }
      case "decl":
        for (const { name, expr } of stmt.values) env.locals.set(name, expr ? this.eval(expr, env) : unknown("zero value"));
        return undefined;
      case "expr":
        this.eval(stmt.x, env);
        return undefined;
      case "block":
        return this.run(stmt.stmts, { ...env, locals: new Map(), parent: env });
      case "if": {
        const scope = { ...env, locals: new Map(), parent: env };
        if (stmt.init) this.exec(stmt.init, scope);
        const cond = this.eval(stmt.cond, scope);
        if (cond.k === "bool") {
          if (cond.v) return this.run(stmt.then, scope);
          return stmt.else ? this.run(stmt.else, scope) : undefined;
        }
        this.unresolved.push(`condition at ${env.file.path}:${stmt.line} (${cond.why ?? cond.k}); took the then-branch`);
        return this.run(stmt.then, scope);
      }
      case "range": {
        const over = this.eval(stmt.x, env);
        const entries = over.k === "map" ? [...over.entries].map(([k, v]) => [{ k: "str", v: k }, v]) : over.k === "list" ? over.items.map((v, i) => [{ k: "num", v: i }, v]) : [];
        for (const [key, value] of entries) {
          const scope = { ...env, locals: new Map(), parent: env };
          if (stmt.key?.kind === "ident") scope.locals.set(stmt.key.name, key);
          if (stmt.value?.kind === "ident") scope.locals.set(stmt.value.name, value);
          const result = this.run(stmt.body, scope);
          if (result) return result;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  assign(target, value, env, define) {
    if (target.kind === "ident") {
      if (target.name === "_") return;
      const scope = define ? env : this.lookupLocal(env, target.name) ?? env;
      scope.locals.set(target.name, value);
      return;
    }
    if (target.kind === "index") {
      const base = this.eval(target.x, env);
      const key = this.eval(target.index, env);
      if (base.k === "map" && key.k === "str") base.entries.set(key.v, value);
      return;
    }
    if (target.kind === "sel") {
      const base = this.eval(target.x, env);
      if (base.k === "struct") base.fields.set(target.name, value);
    }
  }
}

/** Deep copy of a value tree (maps, lists and structs), for helpers that derive one schema from another. */
export function clone(value) {
  if (value.k === "map") return { k: "map", entries: new Map([...value.entries].map(([k, v]) => [k, clone(v)])) };
  if (value.k === "list") return { k: "list", items: value.items.map(clone) };
  if (value.k === "struct") return { ...value, fields: new Map([...value.fields].map(([k, v]) => [k, clone(v)])) };
  return value;
}
