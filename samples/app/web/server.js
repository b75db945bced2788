// Storefront: serves the shop's pages and proxies catalogue calls to the API.
const express = require("express");

const app = express();
const api = process.env.API_URL || "http://localhost:8000";

app.get("/healthz", (_req, res) => res.send("ok"));
app.get("/api/products", async (_req, res) => {
  const r = await fetch(`${api}/products`);
  res.status(r.status).json(await r.json());
});
app.use(express.static("public"));

app.listen(process.env.PORT || 3000);
