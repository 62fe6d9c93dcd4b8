"""A site that works from a shared folder (file://) as well as from a web server.

mkdocs-material's ``offline`` plugin (mkdocs.yml) turns off directory URLs, so that every link
names an .html file, and writes the search index into a script, so that search needs no server.
Two things it would fetch from the internet are supplied here instead, from the package:

- the ``iframe-worker`` shim (Chromium and Edge refuse a Web Worker from a file:// page; the shim
  runs material's search worker in a hidden frame). mkdocs.yml names it in ``extra.polyfills``,
  so the plugin does not add its CDN address;
- a repair of material's search worker for Chinese queries. The worker cuts a query such as
  新开户回访 at the words of the index, but never tries the last character as part of a word and
  appends a second ``*`` to every piece but the last, so that the result list says
  “缺少: 新*, 开户*” for a word that is there and ranks the page that has it no higher. The
  repaired cut takes, from left to right, the longest piece that begins a word of the index;
  the pieces of what was typed as one word must all be found.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

SHIM_URI = "assets/javascripts/iframe-worker.js"

# iframe-worker 1.0.4 (npm), shim/index.js, unchanged.
IFRAME_WORKER = """\
/* iframe-worker 1.0.4 - https://github.com/squidfunk/iframe-worker
 * Copyright (c) 2020-2022 Martin Donath <martin.donath@squidfunk.com>
 * Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 * and associated documentation files (the "Software"), to deal in the Software without
 * restriction, including without limitation the rights to use, copy, modify, merge, publish,
 * distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 * Software is furnished to do so, subject to the following conditions: The above copyright notice
 * and this permission notice shall be included in all copies or substantial portions of the
 * Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
 * INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE
 * AND NON-INFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 * DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE. */
"use strict";(()=>{function c(s,n){parent.postMessage(s,n||"*")}function d(...s){return s.reduce((n,e)=>n.then(()=>new Promise(r=>{let t=document.createElement("script");t.src=e,t.onload=r,document.body.appendChild(t)})),Promise.resolve())}var o=class extends EventTarget{constructor(e){super();this.url=e;this.m=e=>{e.source===this.w&&(this.dispatchEvent(new MessageEvent("message",{data:e.data})),this.onmessage&&this.onmessage(e))};this.e=(e,r,t,i,m)=>{if(r===`${this.url}`){let a=new ErrorEvent("error",{message:e,filename:r,lineno:t,colno:i,error:m});this.dispatchEvent(a),this.onerror&&this.onerror(a)}};let r=document.createElement("iframe");r.hidden=!0,document.body.appendChild(this.iframe=r),this.w.document.open(),this.w.document.write(`<html><body><script>postMessage=${c};importScripts=${d};addEventListener("error",({error})=>{parent.dispatchEvent(new ErrorEvent("error",{filename:"${e}",error}))})<\\/script><script src=${e}?${+Date.now()}><\\/script></body></html>`),this.w.document.close(),onmessage=this.m,onerror=this.e,this.r=new Promise((t,i)=>{this.w.onload=t,this.w.onerror=i})}terminate(){this.iframe.remove(),onmessage=onerror=null}postMessage(e){this.r.catch().then(()=>{this.w.dispatchEvent(new MessageEvent("message",structuredClone({data:e})))})}get w(){return this.iframe.contentWindow}};window.IFrameWorker=o;location.protocol==="file:"&&(window.Worker=o);})();
"""  # noqa: E501 - the package's minified line, kept unchanged

# The cut of a run of Chinese characters in a query: greedy, longest piece that begins a word of
# the index (the index is searched with a trailing wildcard, so a beginning is found); a piece
# that begins no word is one character. One piece is left to the caller's wildcard; several are
# each required (+piece*), except those that begin no word, which would only empty the result.
SEGMENT = """\
var huifangSegment=(function(){var cache=new WeakMap();
function known(index){var s=cache.get(index);if(!s){s=new Set();
for(var t in index)for(var k=1;k<=t.length;k++)s.add(t.slice(0,k));cache.set(index,s)}return s}
return function(run,index){var s=known(index),parts=[];
for(var i=0;i<run.length;){var j=run.length;while(j>i+1&&!s.has(run.slice(i,j)))j--;parts.push(run.slice(i,j));i=j}
if(parts.length===1)return parts[0];
return parts.map(function(p){return s.has(p)?"+"+p+"*":p}).join(" ")}})();
"""

_WORKER = re.compile(r"assets/javascripts/workers/search\.[0-9a-f]+\.min\.js")
_CUT = re.compile(r'\[\.\.\.[\w$]+\(([\w$]+),this\.index\.invertedIndex\)\]\.join\("\* "\)')
_STRICT = '"use strict";'
log = logging.getLogger("mkdocs.plugins.huifang")


def patch_worker(js: str) -> str | None:
    """material's search worker with the repaired cut, or None if this version has no such code."""
    body, n = _CUT.subn(lambda m: f"huifangSegment({m.group(1)},this.index.invertedIndex)", js)
    if n != 1:
        return None
    head = _STRICT if body.startswith(_STRICT) else ""
    return head + SEGMENT + body[len(head):]


def add_files(files: Files, config) -> None:
    """The shim, and the repaired worker in place of material's."""
    files.append(File.generated(config, SHIM_URI, content=IFRAME_WORKER))
    for f in list(files):
        if _WORKER.fullmatch(f.src_uri) and f.abs_src_path:
            patched = patch_worker(Path(f.abs_src_path).read_text(encoding="utf-8"))
            if patched is None:         # another mkdocs-material: its own cut is kept (tests/test_search.py tells)
                log.info("search worker not repaired: %s", f.src_uri)
                continue
            files.remove(f)
            files.append(File.generated(config, f.src_uri, content=patched))
