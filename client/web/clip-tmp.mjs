import puppeteer from "puppeteer-core";
const [url, out, y, hgt] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage();
await page.setViewport({ width: 1100, height: 900 });
await page.goto(url);
await page.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
await page.screenshot({ path: out, clip: { x: 0, y: Number(y), width: 1100, height: Number(hgt) } });
await browser.close();
