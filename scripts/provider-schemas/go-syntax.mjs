// A reader for the subset of Go that Terraform providers use to declare their schemas: composite literals, calls,
// selectors, function and method declarations, and the plain statements of small builder functions.
//
// Written here because no maintained npm package parses Go (tree-sitter-go needs a native or wasm build step and
// gives a concrete syntax tree we would still have to interpret). It is a development script, not shipped code:
// anything it does not understand becomes an "opaque" node that the evaluator reports instead of guessing.

const KEYWORDS = new Set([
  "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto",
  "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var",
]);

// Longest first, so that the tokenizer matches greedily.
const OPERATORS = [
  "<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=", ">=", ":=", "+=", "-=", "*=", "/=", "%=",
  "&=", "|=", "^=", "<<", ">>", "&^", "+", "-", "*", "/", "%", "&", "|", "^", "<", ">", "=", "!", "(", ")", "[", "]",
  "{", "}", ",", ";", ".", ":", "~",
];

/** Tokens: { t: "ident"|"kw"|"string"|"number"|"char"|"op", v, line }. Semicolons are inserted as Go does. */
export function tokenize(src) {
  const tokens = [];
  let i = 0;
  let line = 1;
  const push = (t, v) => tokens.push({ t, v, line });
  const needsSemicolon = () => {
    const last = tokens.at(-1);
    if (!last) return false;
    if (last.t === "ident" || last.t === "string" || last.t === "number" || last.t === "char") return true;
    if (last.t === "kw") return ["break", "continue", "fallthrough", "return"].includes(last.v);
    return last.t === "op" && ["++", "--", ")", "]", "}"].includes(last.v);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      if (needsSemicolon()) push("op", ";");
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      const newlines = src.slice(i, stop).split("\n").length - 1;
      if (newlines > 0 && needsSemicolon()) push("op", ";");
      line += newlines;
      i = stop;
    } else if (/[A-Za-z_]/.test(c) || c.charCodeAt(0) > 127) {
      let j = i + 1;
      while (j < src.length && (/[A-Za-z0-9_]/.test(src[j]) || src.charCodeAt(j) > 127)) j++;
      const word = src.slice(i, j);
      push(KEYWORDS.has(word) ? "kw" : "ident", word);
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < src.length && /[0-9A-Za-z_.]/.test(src[j])) {
        if ((src[j] === "e" || src[j] === "E" || src[j] === "p" || src[j] === "P") && /[+-]/.test(src[j + 1] ?? "")) j++;
        j++;
      }
      push("number", src.slice(i, j));
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let value = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\") {
          const n = src[j + 1];
          value += n === "n" ? "\n" : n === "t" ? "\t" : n;
          j += 2;
        } else value += src[j++];
      }
      push("string", value);
      i = j + 1;
    } else if (c === "`") {
      const end = src.indexOf("`", i + 1);
      const value = src.slice(i + 1, end);
      push("string", value);
      line += value.split("\n").length - 1;
      i = end + 1;
    } else if (c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== "'") j += src[j] === "\\" ? 2 : 1;
      push("char", src.slice(i + 1, j));
      i = j + 1;
    } else {
      const op = OPERATORS.find((candidate) => src.startsWith(candidate, i));
      if (!op) throw new Error(`unexpected character ${JSON.stringify(c)} at line ${line}`);
      push("op", op);
      i += op.length;
    }
  }
  if (needsSemicolon()) push("op", ";");
  return tokens;
}

const BINARY_PRECEDENCE = {
  "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
  "+": 4, "-": 4, "|": 4, "^": 4, "*": 5, "/": 5, "%": 5, "<<": 5, ">>": 5, "&": 5, "&^": 5,
};

/**
 * Parses one file into { pkg, imports: [{ alias, path }], funcs: [{ name, recv, params, body, line }],
 * values: [{ name, expr }] } (package-level var/const). Expression nodes:
 *   ident{name} sel{x,name} call{fn,args,ellipsis} composite{type,elts:[{key,value}]} unary{op,x} binary{op,x,y}
 *   lit{kind,value} funclit{params,body} index{x,index} paren{x} typeexpr{text} opaque{text}
 * Statement nodes: return{results} assign{lhs,op,rhs} expr{x} if{init,cond,then,else} block{stmts}
 *   range{key,value,define,x,body} for{body} switch{...} decl{names,values} other{}
 */
export function parseFile(src, file = "") {
  const parser = new Parser(tokenize(src), file);
  return parser.parseFile();
}

class Parser {
  constructor(tokens, file) {
    this.tokens = tokens;
    this.pos = 0;
    this.file = file;
    this.noCompositeLit = 0; // inside if/for/switch headers, `x {` opens the block, not a literal
  }

  peek(offset = 0) {
    return this.tokens[this.pos + offset] ?? { t: "eof", v: "", line: -1 };
  }

  next() {
    return this.tokens[this.pos++] ?? { t: "eof", v: "", line: -1 };
  }

  is(v, offset = 0) {
    const token = this.peek(offset);
    return (token.t === "op" || token.t === "kw") && token.v === v;
  }

  accept(v) {
    if (this.is(v)) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(v) {
    const token = this.next();
    if ((token.t !== "op" && token.t !== "kw") || token.v !== v) {
      throw new Error(`${this.file}:${token.line}: expected ${v}, found ${token.v || token.t}`);
    }
    return token;
  }

  /** Skips a balanced (), [] or {} group starting at the current token. */
  skipGroup() {
    const open = this.next().v;
    const close = { "(": ")", "[": "]", "{": "}" }[open];
    let depth = 1;
    while (depth > 0 && this.peek().t !== "eof") {
      const token = this.next();
      if (token.t !== "op") continue;
      if (token.v === open) depth++;
      else if (token.v === close) depth--;
    }
  }

  parseFile() {
    const file = { pkg: "", imports: [], funcs: [], values: [], types: [] };
    this.expect("package");
    file.pkg = this.next().v;
    this.accept(";");
    while (this.peek().t !== "eof") {
      if (this.accept(";")) continue;
      if (this.accept("import")) this.parseImports(file);
      else if (this.is("func")) file.funcs.push(this.parseFuncDecl());
      else if (this.is("var") || this.is("const")) {
        this.next();
        this.parseValueSpecs(file.values);
      } else if (this.accept("type")) this.skipTypeDecl();
      else this.next();
    }
    return file;
  }

  parseImports(file) {
    const spec = () => {
      let alias;
      if (this.peek().t === "ident" || this.is(".")) alias = this.next().v;
      const path = this.next().v;
      file.imports.push({ alias, path });
      this.accept(";");
    };
    if (this.accept("(")) {
      while (!this.accept(")")) {
        if (this.accept(";")) continue;
        spec();
      }
    } else spec();
  }

  skipTypeDecl() {
    const skipOne = () => {
      while (!this.is(";") && !this.is(")") && this.peek().t !== "eof") {
        if (this.is("{") || this.is("(") || this.is("[")) this.skipGroup();
        else this.next();
      }
      this.accept(";");
    };
    if (this.accept("(")) {
      while (!this.accept(")") && this.peek().t !== "eof") {
        if (this.accept(";")) continue;
        skipOne();
      }
    } else skipOne();
  }

  parseValueSpecs(values) {
    const spec = () => {
      const names = [this.next().v];
      while (this.accept(",")) names.push(this.next().v);
      // optional type, then optional = values
      if (!this.is("=") && !this.is(";") && !this.is(")")) this.parseType();
      let exprs = [];
      if (this.accept("=")) exprs = this.parseExprList();
      names.forEach((name, i) => values.push({ name, expr: exprs[i] }));
      this.accept(";");
    };
    if (this.accept("(")) {
      while (!this.accept(")") && this.peek().t !== "eof") {
        if (this.accept(";")) continue;
        spec();
      }
    } else spec();
  }

  parseFuncDecl() {
    const line = this.expect("func").line;
    let recv;
    let recvName;
    if (this.is("(")) {
      const params = this.parseParams();
      recv = params[0]?.type.replace(/^\*/, "");
      recvName = params[0]?.name;
    }
    const name = this.next().v;
    if (this.is("[")) this.skipGroup(); // type parameters
    const params = this.parseParams();
    this.parseResultType();
    let body;
    if (this.is("{")) body = this.parseBlock();
    return { name, recv, recvName, params, body, line };
  }

  /** `(a, b T, c *U)` -> [{ name, type }] (type as text). */
  parseParams() {
    this.expect("(");
    const groups = [];
    let current = [];
    const flush = () => {
      if (current.length > 0) groups.push(current);
      current = [];
    };
    while (!this.is(")") && this.peek().t !== "eof") {
      if (this.accept(",")) {
        flush();
        continue;
      }
      const start = this.pos;
      this.accept("...");
      const type = this.parseType();
      current.push({ text: type, start });
    }
    flush();
    this.expect(")");
    // groups: each is [name, type] or [type]
    const params = [];
    let pendingNames = [];
    for (const group of groups) {
      if (group.length === 2) {
        for (const name of pendingNames) params.push({ name, type: group[1].text });
        pendingNames = [];
        params.push({ name: group[0].text, type: group[1].text });
      } else pendingNames.push(group[0].text);
    }
    // a list without types is a list of unnamed types
    for (const type of pendingNames) params.push({ name: undefined, type });
    return params;
  }

  parseResultType() {
    if (this.is("{") || this.is(";")) return;
    if (this.is("(")) {
      this.skipGroup();
      return;
    }
    this.parseType();
  }

  /** Reads a type and returns its text. */
  parseType() {
    const token = this.peek();
    if (this.accept("*")) return "*" + this.parseType();
    if (this.accept("[")) {
      let size = "";
      while (!this.is("]")) size += this.next().v;
      this.expect("]");
      return `[${size}]` + this.parseType();
    }
    if (this.accept("map")) {
      this.expect("[");
      const key = this.parseType();
      this.expect("]");
      return `map[${key}]${this.parseType()}`;
    }
    if (this.accept("chan")) return "chan " + this.parseType();
    if (this.accept("<-")) {
      this.expect("chan");
      return "<-chan " + this.parseType();
    }
    if (this.accept("func")) {
      this.parseParams();
      if (!this.is(",") && !this.is(")") && !this.is("{") && !this.is(";") && !this.is("]") && !this.is("}")) this.parseResultType();
      return "func";
    }
    if (this.is("interface") || this.is("struct")) {
      this.next();
      this.skipGroup();
      return token.v + "{}";
    }
    if (this.accept("(")) {
      const inner = this.parseType();
      this.expect(")");
      return inner;
    }
    if (token.t === "ident") {
      this.next();
      let text = token.v;
      if (this.is(".") && this.peek(1).t === "ident") {
        this.next();
        text += "." + this.next().v;
      }
      if (this.is("[") && !this.is("]", 1)) {
        // generic instantiation, e.g. types.ListValueOf[T]
        const start = this.pos;
        this.skipGroup();
        text += this.tokens.slice(start, this.pos).map((t) => t.v).join("");
      }
      return text;
    }
    throw new Error(`${this.file}:${token.line}: expected a type, found ${token.v || token.t}`);
  }

  parseBlock() {
    this.expect("{");
    const stmts = [];
    while (!this.is("}") && this.peek().t !== "eof") {
      if (this.accept(";")) continue;
      stmts.push(this.parseStatement());
    }
    this.expect("}");
    return stmts;
  }

  parseStatement() {
    const token = this.peek();
    const line = token.line;
    if (this.accept("return")) {
      const results = this.is(";") || this.is("}") ? [] : this.parseExprList();
      return { kind: "return", results, line };
    }
    if (this.accept("if")) return this.parseIf(line);
    if (this.accept("for")) return this.parseFor(line);
    if (this.is("switch") || this.is("select")) return this.parseSwitch(line);
    if (this.is("var") || this.is("const")) {
      this.next();
      const values = [];
      this.parseValueSpecs(values);
      return { kind: "decl", values, line };
    }
    if (this.accept("type")) {
      this.skipTypeDecl();
      return { kind: "other", line };
    }
    if (this.is("{")) return { kind: "block", stmts: this.parseBlock(), line };
    if (this.is("defer") || this.is("go") || this.is("goto") || this.is("break") || this.is("continue") || this.is("fallthrough")) {
      this.next();
      this.skipToStatementEnd();
      return { kind: "other", line };
    }
    // label?
    if (token.t === "ident" && this.is(":", 1)) {
      this.pos += 2;
      return { kind: "other", line };
    }
    return this.parseSimpleStatement(line);
  }

  skipToStatementEnd() {
    while (!this.is(";") && !this.is("}") && this.peek().t !== "eof") {
      if (this.is("(") || this.is("[") || this.is("{")) this.skipGroup();
      else this.next();
    }
  }

  parseSimpleStatement(line) {
    const lhs = this.parseExprList();
    const op = this.peek();
    if (op.t === "op" && (op.v === "=" || op.v === ":=" || /^[-+*/%&|^<>]+=$|^&\^=$/.test(op.v))) {
      this.next();
      if (this.accept("range")) {
        const x = this.parseExpr();
        return { kind: "rangeheader", lhs, define: op.v === ":=", x, line };
      }
      const rhs = this.parseExprList();
      return { kind: "assign", lhs, op: op.v, rhs, line };
    }
    if (this.accept("++") || this.accept("--")) return { kind: "other", line };
    if (this.accept("<-")) {
      this.parseExpr();
      return { kind: "other", line };
    }
    return { kind: "expr", x: lhs[0], line };
  }

  parseIf(line) {
    this.noCompositeLit++;
    let init;
    let cond = this.is(";") ? undefined : this.parseSimpleStatement(line);
    if (this.accept(";")) {
      init = cond;
      cond = this.parseSimpleStatement(line);
    }
    this.noCompositeLit--;
    const then = this.parseBlock();
    let otherwise;
    if (this.accept("else")) {
      if (this.accept("if")) otherwise = [this.parseIf(this.peek().line)];
      else otherwise = this.parseBlock();
    }
    return { kind: "if", init, cond: cond?.x, then, else: otherwise, line };
  }

  /** switch/select: the clauses are kept (the evaluator does not run them, but searches them). */
  parseSwitch(line) {
    this.next();
    this.noCompositeLit++;
    let tag;
    if (!this.is("{")) {
      const first = this.is(";") ? undefined : this.parseSimpleStatement(line);
      if (this.accept(";")) tag = this.is("{") ? undefined : this.parseSimpleStatement(line);
      else tag = first;
    }
    this.noCompositeLit--;
    this.expect("{");
    const clauses = [];
    while (!this.is("}") && this.peek().t !== "eof") {
      if (this.accept(";")) continue;
      let exprs = [];
      if (this.accept("case")) {
        exprs = this.parseCaseList();
      } else this.expect("default");
      this.expect(":");
      const body = [];
      while (!this.is("case") && !this.is("default") && !this.is("}") && this.peek().t !== "eof") {
        if (this.accept(";")) continue;
        body.push(this.parseStatement());
      }
      clauses.push({ exprs, body });
    }
    this.expect("}");
    return { kind: "switch", tag, clauses, line };
  }

  parseCaseList() {
    const list = [];
    for (;;) {
      const start = this.pos;
      try {
        const x = this.parseExpr();
        if (this.is("=") || this.is(":=") || this.is("<-")) {
          // select case `v := <-ch` / `ch <- v`
          this.next();
          this.parseExpr();
        }
        list.push(x);
      } catch {
        this.pos = start;
        list.push({ kind: "typeexpr", text: this.parseType() });
      }
      if (!this.accept(",")) return list;
    }
  }

  parseFor(line) {
    this.noCompositeLit++;
    let header;
    if (this.accept("range")) {
      header = { kind: "rangeheader", lhs: [], x: this.parseExpr() };
    } else if (!this.is("{")) {
      const first = this.is(";") ? undefined : this.parseSimpleStatement(line);
      if (this.accept(";")) {
        if (!this.is(";")) this.parseExpr();
        this.expect(";");
        if (!this.is("{")) this.parseSimpleStatement(line);
      } else header = first;
    }
    this.noCompositeLit--;
    const body = this.parseBlock();
    if (header?.kind === "rangeheader") {
      return { kind: "range", key: header.lhs[0], value: header.lhs[1], define: header.define, x: header.x, body, line };
    }
    return { kind: "for", body, line };
  }

  parseExprList() {
    const list = [this.parseExpr()];
    while (this.accept(",")) list.push(this.parseExpr());
    return list;
  }

  parseExpr(minPrecedence = 1) {
    let x = this.parseUnary();
    for (;;) {
      const token = this.peek();
      const precedence = token.t === "op" ? BINARY_PRECEDENCE[token.v] : undefined;
      if (precedence === undefined || precedence < minPrecedence) return x;
      this.next();
      const y = this.parseExpr(precedence + 1);
      x = { kind: "binary", op: token.v, x, y, line: token.line };
    }
  }

  parseUnary() {
    const token = this.peek();
    if (token.t === "op" && ["&", "!", "-", "+", "^", "*", "<-"].includes(token.v)) {
      this.next();
      return { kind: "unary", op: token.v, x: this.parseUnary(), line: token.line };
    }
    return this.parsePrimary();
  }

  parsePrimary() {
    const token = this.peek();
    let x;
    if (token.t === "ident") {
      this.next();
      x = { kind: "ident", name: token.v, line: token.line };
    } else if (token.t === "string" || token.t === "number" || token.t === "char") {
      this.next();
      x = { kind: "lit", litKind: token.t, value: token.v, line: token.line };
    } else if (this.is("(")) {
      this.next();
      this.noCompositeLitSaved = this.noCompositeLit;
      const saved = this.noCompositeLit;
      this.noCompositeLit = 0;
      x = { kind: "paren", x: this.parseExpr(), line: token.line };
      this.noCompositeLit = saved;
      this.expect(")");
    } else if (this.is("func")) {
      this.next();
      const params = this.parseParams();
      if (!this.is("{")) this.parseResultType();
      if (this.is("{")) {
        const saved = this.noCompositeLit;
        this.noCompositeLit = 0;
        const body = this.parseBlock();
        this.noCompositeLit = saved;
        x = { kind: "funclit", params, body, line: token.line };
      } else x = { kind: "typeexpr", text: "func", line: token.line };
    } else if (this.is("[") || this.is("map") || this.is("chan") || this.is("interface") || this.is("struct")) {
      const text = this.parseType();
      x = { kind: "typeexpr", text, line: token.line };
    } else if (this.is("{")) {
      // elided composite literal type (inside another literal)
      x = this.parseCompositeBody(undefined, token.line);
      return this.parsePostfix(x);
    } else {
      throw new Error(`${this.file}:${token.line}: unexpected ${token.v || token.t}`);
    }
    return this.parsePostfix(x);
  }

  parsePostfix(x) {
    for (;;) {
      const token = this.peek();
      if (this.is(".")) {
        this.next();
        if (this.accept("(")) {
          // type assertion x.(T) / x.(type)
          let text = "";
          while (!this.is(")")) text += this.next().v;
          this.expect(")");
          x = { kind: "assert", x, type: text, line: token.line };
        } else {
          x = { kind: "sel", x, name: this.next().v, line: token.line };
        }
      } else if (this.is("(")) {
        this.next();
        const saved = this.noCompositeLit;
        this.noCompositeLit = 0;
        const args = [];
        let ellipsis = false;
        while (!this.is(")")) {
          if (this.is("[") || this.is("map") || this.is("chan") || this.is("func") && false) {
            args.push(this.parsePrimaryTypeOrExpr());
          } else args.push(this.parseExpr());
          if (this.accept("...")) ellipsis = true;
          if (!this.accept(",")) break;
        }
        this.noCompositeLit = saved;
        this.expect(")");
        x = { kind: "call", fn: x, args, ellipsis, line: token.line };
      } else if (this.is("[")) {
        this.next();
        const saved = this.noCompositeLit;
        this.noCompositeLit = 0;
        let index;
        if (this.is(":")) index = undefined;
        else index = this.parseExprOrType();
        while (this.accept(":") || this.accept(",")) if (!this.is("]")) this.parseExprOrType();
        this.noCompositeLit = saved;
        this.expect("]");
        x = { kind: "index", x, index, line: token.line };
      } else if (this.is("{") && this.noCompositeLit === 0 && isTypeLike(x)) {
        x = this.parseCompositeBody(x, token.line);
      } else return x;
    }
  }

  parsePrimaryTypeOrExpr() {
    return this.parseExpr();
  }

  parseExprOrType() {
    if (this.is("*") || this.is("[") || this.is("map")) {
      const start = this.pos;
      try {
        return this.parseExpr();
      } catch {
        this.pos = start;
        return { kind: "typeexpr", text: this.parseType() };
      }
    }
    return this.parseExpr();
  }

  parseCompositeBody(type, line) {
    this.expect("{");
    const saved = this.noCompositeLit;
    this.noCompositeLit = 0;
    const elts = [];
    while (!this.is("}")) {
      if (this.accept(";")) continue;
      let value = this.is("{") ? this.parseCompositeBody(undefined, this.peek().line) : this.parseExpr();
      let key;
      if (this.accept(":")) {
        key = value;
        value = this.is("{") ? this.parseCompositeBody(undefined, this.peek().line) : this.parseExpr();
      }
      elts.push({ key, value, line: (key ?? value).line });
      if (!this.accept(",")) {
        this.accept(";");
        break;
      }
    }
    this.accept(";");
    this.expect("}");
    this.noCompositeLit = saved;
    return { kind: "composite", type: type ? typeText(type) : undefined, elts, line };
  }
}

/** Whether an expression may be the type of a composite literal (`T{`, `pkg.T{`, `[]T{`, `map[K]V{`). */
function isTypeLike(x) {
  if (x.kind === "ident") return true;
  if (x.kind === "sel") return x.x.kind === "ident";
  if (x.kind === "typeexpr") return true;
  if (x.kind === "index") return isTypeLike(x.x); // generic type
  return false;
}

export function typeText(x) {
  if (x.kind === "ident") return x.name;
  if (x.kind === "sel") return `${typeText(x.x)}.${x.name}`;
  if (x.kind === "typeexpr") return x.text;
  if (x.kind === "index") return `${typeText(x.x)}[...]`;
  return "?";
}
