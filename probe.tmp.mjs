const h = await import("@cdktf/hcl2json");
for (const e of process.argv.slice(2)) {
  const w = "${" + e + "\n}";
  try { console.log(JSON.stringify(e), JSON.stringify(await h.getReferencesInExpression("a.tf", w))); } catch (err) { console.log(JSON.stringify(e), "ERR", String(err).slice(0, 200)); }
}
