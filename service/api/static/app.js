/* The editor page: send a French dispatch to POST v1/dispatches (streamed) and show the result,
   each sentence as it arrives. */
(function () {
  "use strict";

  // Headings of the Markdown report, as DispatchResult.to_markdown writes them.
  var MARKDOWN_NAMES = { fr: "Français", en: "English", ko: "한국어 (Korean)" };
  var COLUMN_NAMES = { fr: "French (source)", en: "English", ko: "Korean" };
  var LANG_NAMES = { fr: "French", en: "English", ko: "Korean" };
  var FLAG_WORDS = {
    number_mismatch: "number changed",
    entity_mismatch: "name not in glossary form",
    term_not_applied: "glossary term missing",
    untranslated: "copied, not translated",
    loop: "repetition loop",
    length_ratio: "unusual length",
    low_confidence: "low model confidence",
  };
  // What each flag means in the Markdown report: service/quality/flags.py FLAG_DESCRIPTIONS (a test
  // checks they agree).
  var FLAG_DESCRIPTIONS = {
    number_mismatch: "a number, amount, date or time differs from the source",
    entity_mismatch: "a name is not in its glossary form",
    term_not_applied: "a glossary term could not be written into the translation",
    untranslated: "the source copied, not translated",
    loop: "the output repeats itself",
    length_ratio: "unusually long or short for a translation",
    low_confidence: "the model was unsure",
  };
  var KEY_STORE = "mts.apiKey";

  var form = byId("dispatch-form");
  var textBox = byId("dispatch-text");
  var fileInput = byId("dispatch-file");
  var fileName = byId("file-name");
  var bulletCount = byId("bullet-count");
  var apiKey = byId("api-key");
  var styleChoice = byId("style");
  var glossaryChoice = byId("glossary");
  var glossaryHint = byId("glossary-hint");
  var button = byId("translate");
  var statusLine = byId("status");
  var errorBox = byId("error");
  var results = byId("results");

  var lastResult = null;
  var pinned = null;
  var busy = false;
  var ticker = null;
  var glossaryRequest = 0;

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function flagWords(flag) {
    return Object.prototype.hasOwnProperty.call(FLAG_WORDS, flag) ? FLAG_WORDS[flag] : String(flag);
  }

  // -- status and errors ---------------------------------------------------------------------

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function showError(text, requestId) {
    errorBox.replaceChildren(el("p", { text: text }));
    if (requestId) {
      errorBox.appendChild(el("p", { className: "error__id", text: "Request id: " + requestId }));
    }
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
  }

  async function describeError(response) {
    var body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      body = null;
    }
    return errorText(response.status, body, response.headers.get("Retry-After"), response.headers.get("X-Request-ID"));
  }

  // An error answer in plain words: from its status and its JSON body ({error: {type, message}}).
  function errorText(status, body, retry, headerRequestId) {
    var error = body && body.error;
    var type = error && typeof error === "object" ? error.type : null;
    var message = error && typeof error === "object" ? error.message : typeof error === "string" ? error : "";
    message = String(message || "").replace(/[.\s]+$/, "");
    var detail = message ? " (" + message + ")" : "";
    var text;
    switch (status) {
      case 401:
        text = "This service needs an API key. Enter it in the API key field and translate again.";
        break;
      case 403:
        text = "The API key was not accepted. Check it and translate again.";
        break;
      case 413:
        text = "The dispatch is too long for the service" + detail + ". Split it and translate the parts.";
        break;
      case 422:
        text = "The service did not accept the request: " + (message || "invalid fields") + ".";
        break;
      case 429:
        text = "Too many requests. Try again" + (retry ? " in " + plural(Number(retry), "second", "seconds") : " shortly") + ".";
        break;
      case 503:
        if (type === "not_ready") text = "Models are still loading; try again in a moment.";
        else if (type === "busy" || type === "queue_full") text = "The service is busy; try again in a few seconds.";
        else if (type === "shutting_down") text = "The service is restarting; try again in a moment.";
        else text = "The service cannot translate right now" + detail + ".";
        break;
      case 504:
        text = "The translation took too long and was stopped. Try again, or send a shorter dispatch.";
        break;
      default:
        if (status >= 500) text = "Something went wrong on the server" + detail + ".";
        else text = message ? message.charAt(0).toUpperCase() + message.slice(1) + "." : "The request failed (HTTP " + status + ").";
    }
    return { text: text, requestId: (body && body.request_id) || headerRequestId };
  }

  // -- API key -----------------------------------------------------------------------------

  function storedKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORE) || "";
    } catch (ignored) {
      return "";
    }
  }

  function rememberKey() {
    try {
      var key = apiKey.value.trim();
      if (key) window.sessionStorage.setItem(KEY_STORE, key);
      else window.sessionStorage.removeItem(KEY_STORE);
    } catch (ignored) {
      /* storage disabled: the key lives in the field only */
    }
  }

  // The headers of an API request: the key of the field as a bearer token, when there is one.
  function apiHeaders() {
    var headers = { Accept: "application/json" };
    var key = apiKey.value.trim();
    if (key) headers.Authorization = "Bearer " + key;
    return headers;
  }

  // -- stored glossaries ---------------------------------------------------------------------

  function glossaryOption(glossary) {
    var entries = Number(glossary.entries) || 0;
    var name = typeof glossary.name === "string" && glossary.name ? glossary.name : glossary.id;
    return el("option", { value: glossary.id, text: name + " (" + plural(entries, "entry", "entries") + ")" });
  }

  // Show the key's glossaries after "No stored glossary", keeping the one chosen if it is still
  // listed; hint (under the list) and title (on it) say why the list is empty, when it is.
  function showGlossaries(glossaries, hint, title) {
    var chosen = glossaryChoice.value;
    var options = [el("option", { value: "", text: "No stored glossary" })].concat(glossaries.map(glossaryOption));
    glossaryChoice.replaceChildren.apply(glossaryChoice, options);
    glossaryChoice.value = glossaries.some(function (g) { return g.id === chosen; }) ? chosen : "";
    glossaryHint.textContent = hint;
    if (title) glossaryChoice.title = title;
    else glossaryChoice.removeAttribute("title");
  }

  // Fill the glossary list from GET v1/glossaries with the key of the field. A refused key or an
  // unreachable service leaves only "No stored glossary": translating works without one. Only the
  // answer to the latest request is shown, so a slow answer for an older key cannot replace it.
  async function loadGlossaries() {
    var request = ++glossaryRequest;
    var glossaries = [];
    var hint = "";
    var title = "";
    try {
      var response = await fetch("v1/glossaries", { headers: apiHeaders() });
      if (response.ok) {
        var data = await response.json();
        glossaries = (Array.isArray(data && data.glossaries) ? data.glossaries : []).filter(function (g) {
          return g && typeof g.id === "string" && g.id;
        });
        if (!glossaries.length) hint = "No stored glossaries yet.";
      } else if (response.status === 401 || response.status === 403) {
        hint = response.status === 401
          ? "Enter the API key to list your stored glossaries."
          : "Stored glossaries are listed for an accepted API key.";
        title = "Stored glossaries need the API key.";
      } else {
        title = "Stored glossaries could not be listed.";
      }
    } catch (ignored) {
      glossaries = [];
      title = "Stored glossaries could not be listed.";
    }
    if (request === glossaryRequest) showGlossaries(glossaries, hint, title);
  }

  // -- input: text box and .txt files --------------------------------------------------------

  async function loadFile(file) {
    if (!file) return;
    if (!/\.txt$/i.test(file.name) && file.type !== "text/plain") {
      showError("Only plain-text (.txt) files can be opened; “" + file.name + "” is not one.");
      return;
    }
    clearError();
    textBox.value = await file.text();
    fileName.textContent = "Loaded " + file.name + ".";
    textBox.focus();
  }

  fileInput.addEventListener("change", function () {
    loadFile(fileInput.files && fileInput.files[0]);
  });
  textBox.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
      event.preventDefault();
      textBox.classList.add("is-dropping");
    }
  });
  textBox.addEventListener("dragleave", function () {
    textBox.classList.remove("is-dropping");
  });
  textBox.addEventListener("drop", function (event) {
    textBox.classList.remove("is-dropping");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) {
      event.preventDefault();
      loadFile(files[0]);
    }
  });
  textBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // -- translate -----------------------------------------------------------------------------

  // While translating: how many sentences have arrived (streamed answers).
  var arrived = 0;

  function busyStatus(started) {
    var seconds = Math.round((Date.now() - started) / 1000);
    return "Translating… " + (arrived ? plural(arrived, "sentence", "sentences") + " in, " : "") + seconds + " s";
  }

  function setBusy(on) {
    busy = on;
    button.disabled = on;
    button.textContent = on ? "Translating…" : "Translate";
    form.setAttribute("aria-busy", on ? "true" : "false");
    results.setAttribute("aria-busy", on ? "true" : "false");
    document.body.classList.toggle("is-busy", on);
    if (ticker) clearInterval(ticker);
    ticker = null;
    if (on) {
      var started = Date.now();
      setStatus("Translating…");
      arrived = 0;
      ticker = setInterval(function () {
        setStatus(busyStatus(started));
      }, 1000);
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) return;
    clearError();
    var text = textBox.value;
    var langs = Array.prototype.map.call(form.querySelectorAll("input[name=langs]:checked"), function (box) {
      return box.value;
    });
    if (!text.trim()) {
      setStatus("");
      showError("Paste or open a French dispatch first.");
      textBox.focus();
      return;
    }
    if (!langs.length) {
      setStatus("");
      showError("Choose at least one language to translate into.");
      form.querySelector("input[name=langs]").focus();
      return;
    }
    rememberKey();
    var headers = apiHeaders();
    headers["Content-Type"] = "application/json";
    var request = {
      text: text, langs: langs, bullets: Number(bulletCount.value), style: styleChoice.value, stream: true,
    };
    if (glossaryChoice.value) request.glossary_id = glossaryChoice.value;
    var body = JSON.stringify(request);

    setBusy(true);
    var started = Date.now();
    var response;
    try {
      response = await fetch("v1/dispatches", { method: "POST", headers: headers, body: body });
    } catch (ignored) {
      setBusy(false);
      setStatus("");
      showError("Could not reach the translation service. Check the connection and try again.");
      return;
    }
    try {
      if (!response.ok) {
        var problem = await describeError(response);
        setBusy(false);
        setStatus("");
        showError(problem.text, problem.requestId);
        if (response.status === 401 || response.status === 403) apiKey.focus();
        if (response.status === 404 && glossaryChoice.value) loadGlossaries();
        return;
      }
      var outcome = await readStream(response, text, langs);
      setBusy(false);
      if (outcome.error) {
        setStatus("");
        showError(outcome.error.text, outcome.error.requestId);
        return;
      }
      var data = outcome.result;
      lastResult = data;
      render(data);
      var seconds = ((Date.now() - started) / 1000).toFixed(1);
      setStatus("Done in " + seconds + " s. " + reviewSummary(data));
      byId("results-title").focus();
    } catch (ignored) {
      setBusy(false);
      setStatus("");
      showError("The service sent an answer this page could not read. Try again.");
    }
  });

  // Read a streamed answer (server-sent events): show each translated sentence as it arrives
  // (`segment`), and return the whole answer (`result`) or the error that ended the stream.
  async function readStream(response, text, langs) {
    var partial = { source: { text: text }, translations: {}, summaries: {} };
    langs.forEach(function (lang) { partial.translations[lang] = { translation: "", segments: [] }; });
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    var requestId = response.headers.get("X-Request-ID");
    for (;;) {
      var chunk = await reader.read();
      buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
      var end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        var event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!event) continue;
        if (event.name === "result") return { result: event.data };
        if (event.name === "error") {
          return { error: errorText(Number(event.data.status) || 500, event.data, null, requestId) };
        }
        if (event.name === "segment" && partial.translations[event.data.lang]) {
          partial.translations[event.data.lang].segments[event.data.index] = event.data;
          arrived += 1;
          renderPartial(partial, langs, arrived === 1);
        }
      }
      if (chunk.done) break;
    }
    return {
      error: {
        text: "The connection ended before the translation was finished" +
          (arrived ? " (" + plural(arrived, "sentence", "sentences") + " had arrived)" : "") + ". Try again.",
        requestId: requestId,
      },
    };
  }

  function parseEvent(block) {
    var name = null;
    var data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) name = line.slice(7);
      else if (line.indexOf("data: ") === 0) data += line.slice(6);
    });
    return name ? { name: name, data: JSON.parse(data) } : null;
  }

  // -- rendering -----------------------------------------------------------------------------

  function translationLangs(data) {
    return Object.keys((data && data.translations) || {});
  }

  // The sentences that have arrived so far, in the table (no bullets or counts yet); ``first``:
  // the first of this answer, which clears what an earlier answer left on the page.
  function renderPartial(partial, langs, first) {
    var shown = { source: partial.source, translations: {} };
    langs.forEach(function (lang) {
      shown.translations[lang] = {
        translation: "",
        segments: partial.translations[lang].segments.filter(function (s) { return s; }),
      };
    });
    var columns = ["fr"].concat(langs);
    renderBody(shown, langs, columns);
    if (first) {
      lastResult = null;
      pinned = null;
      byId("review").replaceChildren(el("span", { className: "badge", text: "Translating…" }));
      byId("summaries").replaceChildren();
      byId("about").replaceChildren();
      byId("aligned-head").replaceChildren(el("tr", {}, columns.map(function (lang) {
        return el("th", { scope: "col", className: "col-head", "data-lang": lang }, [
          el("span", { className: "col-head__name", text: COLUMN_NAMES[lang] || lang }),
        ]);
      })));
      results.hidden = false;
    }
  }

  function segmentsOf(data, lang) {
    var translation = data.translations[lang];
    return (translation && Array.isArray(translation.segments)) ? translation.segments : [];
  }

  // What a flag of the segment points at ("“5” of the source is not in the translation").
  function notesOf(segment, flag) {
    var findings = Array.isArray(segment && segment.findings) ? segment.findings : [];
    return findings
      .filter(function (f) { return f && f.flag === flag && f.note; })
      .map(function (f) { return String(f.note); });
  }

  function flagsOf(segment) {
    return Array.isArray(segment && segment.flags) ? segment.flags : [];
  }

  function checkCount(data, lang) {
    return segmentsOf(data, lang).filter(function (s) { return flagsOf(s).length > 0; }).length;
  }

  function needsReview(data) {
    if (data.review === true) return true;
    return translationLangs(data).some(function (lang) { return checkCount(data, lang) > 0; });
  }

  function reviewSummary(data) {
    var langs = translationLangs(data);
    if (!needsReview(data)) return "Nothing flagged.";
    var parts = langs.map(function (lang) {
      return LANG_NAMES[lang] + ": " + plural(checkCount(data, lang), "sentence", "sentences") + " to check";
    });
    return "Needs review. " + parts.join("; ") + ".";
  }

  // Rows of the aligned table: paragraph number -> {lang: [{text, flags}]}, sentence order kept.
  function alignedRows(data, langs) {
    var rows = new Map();
    function cell(paragraph, lang) {
      if (!rows.has(paragraph)) rows.set(paragraph, {});
      var row = rows.get(paragraph);
      if (!row[lang]) row[lang] = [];
      return row[lang];
    }
    var reference = langs.length ? segmentsOf(data, langs[0]) : [];
    if (reference.length) {
      reference.forEach(function (segment) {
        cell(Number(segment.paragraph) || 0, "fr").push({ text: segment.source, flags: [] });
      });
    } else {
      var source = (data.source && data.source.text) || "";
      source.split(/\n\s*\n/).filter(function (p) { return p.trim(); }).forEach(function (p, i) {
        cell(i, "fr").push({ text: p.trim(), flags: [] });
      });
    }
    langs.forEach(function (lang) {
      segmentsOf(data, lang).forEach(function (segment) {
        cell(Number(segment.paragraph) || 0, lang).push({
          text: segment.translation,
          flags: flagsOf(segment),
          reasons: flagsOf(segment).map(function (flag) {
            var notes = notesOf(segment, flag);
            return flagWords(flag) + (notes.length ? " (" + notes.join("; ") + ")" : "");
          }),
        });
      });
    });
    return Array.from(rows.keys()).sort(function (a, b) { return a - b; }).map(function (p) {
      return { paragraph: p, cells: rows.get(p) };
    });
  }

  function sentenceNode(sentence, lang, paragraph, index) {
    var flagged = sentence.flags.length > 0;
    var reasons = sentence.reasons || sentence.flags.map(flagWords);
    var node = el("span", {
      className: "sent" + (flagged ? " sent--flagged" : ""),
      "data-lang": lang,
      "data-p": paragraph,
      "data-s": index,
      tabindex: lang === "fr" || flagged ? "0" : "-1",
    }, [sentence.text]);
    if (flagged) {
      node.appendChild(document.createTextNode(" "));
      node.appendChild(el("span", { className: "flag-note", lang: "en" }, [
        el("span", { className: "visually-hidden", text: "To check: " }),
        reasons.join(", "),
      ]));
    }
    return node;
  }

  function copyButton(label, what, getText) {
    var b = el("button", { type: "button", className: "button button--small", "aria-label": label, text: "Copy" });
    b.addEventListener("click", function () {
      copyText(getText()).then(function (ok) {
        setStatus(ok ? what + " copied to the clipboard." : "Could not copy; select the text and copy it by hand.");
        if (ok) {
          b.textContent = "Copied";
          setTimeout(function () { b.textContent = "Copy"; }, 1500);
        }
      });
    });
    return b;
  }

  function renderHead(data, langs, columns) {
    var row = el("tr");
    columns.forEach(function (lang) {
      var text = lang === "fr" ? function () { return (data.source && data.source.text) || ""; }
        : function () { return data.translations[lang].translation || ""; };
      var count = lang === "fr" ? null : checkCount(data, lang);
      var th = el("th", { scope: "col", className: "col-head", "data-lang": lang }, [
        el("span", { className: "col-head__name", text: COLUMN_NAMES[lang] || lang }),
        count === null ? null : el("span", {
          className: "count" + (count ? " count--check" : " count--ok"),
          "data-count-lang": lang,
          text: count ? plural(count, "sentence", "sentences") + " to check" : "nothing flagged",
        }),
        copyButton("Copy the " + (LANG_NAMES[lang] || lang) + " text", (LANG_NAMES[lang] || lang) + " text", text),
      ]);
      row.appendChild(th);
    });
    byId("aligned-head").replaceChildren(row);
  }

  function renderBody(data, langs, columns) {
    var body = byId("aligned-body");
    body.replaceChildren();
    alignedRows(data, langs).forEach(function (row) {
      var tr = el("tr", { "data-paragraph": row.paragraph });
      columns.forEach(function (lang) {
        var sentences = row.cells[lang] || [];
        var td = el("td", { lang: lang, "data-lang": lang, "data-label": COLUMN_NAMES[lang] || lang });
        sentences.forEach(function (sentence, i) {
          if (i) td.appendChild(document.createTextNode(" "));
          td.appendChild(sentenceNode(sentence, lang, row.paragraph, i));
        });
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    byId("aligned").className = "aligned aligned--cols-" + columns.length;
  }

  function renderSummaries(data, columns) {
    var summaries = data.summaries || {};
    var box = byId("summaries");
    box.replaceChildren();
    var order = columns.filter(function (l) { return summaries[l]; })
      .concat(Object.keys(summaries).filter(function (l) { return columns.indexOf(l) < 0; }));
    box.className = "summaries summaries--cols-" + Math.max(order.length, 1);
    order.forEach(function (lang) {
      var bullets = Array.isArray(summaries[lang]) ? summaries[lang] : [];
      var list = el("ul", { className: "bullets", lang: lang });
      var unsupported = 0;
      bullets.forEach(function (bullet) {
        var text = typeof bullet === "string" ? bullet : (bullet && bullet.text) || "";
        var bad = bullet && bullet.supported === false;
        var item = el("li", { className: "bullet" + (bad ? " bullet--unsupported" : "") }, [
          el("span", { className: "bullet__text", text: text }),
        ]);
        if (bad) {
          unsupported += 1;
          var missing = Array.isArray(bullet.unsupported) ? bullet.unsupported : [];
          item.appendChild(el("span", { className: "bullet__warning", lang: "en" }, [
            el("span", { className: "bullet__warning-label", text: "⚠ not supported by the source" }),
            missing.length ? el("span", { className: "bullet__missing" }, [": " + missing.join(", ")]) : null,
          ]));
        }
        list.appendChild(item);
      });
      if (!bullets.length) list.appendChild(el("li", { className: "bullet bullet--empty", lang: "en", text: "No bullets." }));
      var name = LANG_NAMES[lang] || lang;
      var card = el("section", { className: "summary-card", "data-lang": lang, "aria-label": name + " bullets" }, [
        el("div", { className: "summary-card__head" }, [
          el("h4", { className: "summary-card__title", text: name }),
          unsupported ? el("span", { className: "count count--check", text: plural(unsupported, "bullet", "bullets") + " not supported" }) : null,
          copyButton("Copy the " + name + " bullets", name + " bullets", function () {
            return bullets.map(function (b) { return "- " + (typeof b === "string" ? b : b.text); }).join("\n") + "\n";
          }),
        ]),
        list,
      ]);
      box.appendChild(card);
    });
    var note = byId("summarizer-note");
    var reason = data.summarizer && data.summarizer.fallback_reason;
    note.hidden = !reason;
    note.textContent = reason ? "The requested summarizer failed, so the bullets are extracted sentences: " + reason : "";
  }

  function renderReview(data, langs) {
    var box = byId("review");
    box.replaceChildren();
    if (needsReview(data)) {
      box.appendChild(el("span", { className: "badge badge--review", text: "Needs review" }));
      langs.forEach(function (lang) {
        box.appendChild(el("span", {
          className: "review__count",
          "data-review-lang": lang,
          text: LANG_NAMES[lang] + ": " + plural(checkCount(data, lang), "sentence", "sentences") + " to check",
        }));
      });
    } else {
      box.appendChild(el("span", { className: "badge badge--ok", text: "Nothing flagged" }));
    }
  }

  function renderAbout(data) {
    var list = byId("about");
    list.replaceChildren();
    function add(term, value) {
      if (value) list.append(el("dt", { text: term }), el("dd", { text: value }));
    }
    add("Dispatch id", data.id);
    var models = (data.models && data.models.translation) || {};
    Object.keys(models).forEach(function (lang) {
      add("Model, French → " + (LANG_NAMES[lang] || lang), (models[lang] || []).map(function (m) {
        return m.id + (m.revision ? " @ " + m.revision : "");
      }).join(", "));
    });
    if (data.summarizer) add("Summarizer", data.summarizer.used + (data.prompt ? " (prompt " + data.prompt + ")" : ""));
    var timings = data.timings_ms || {};
    add("Time", Object.keys(timings).map(function (k) { return k.replace(/_/g, " ") + " " + Math.round(timings[k]) + " ms"; }).join(", "));
  }

  function render(data) {
    pinned = null;
    var langs = translationLangs(data);
    var columns = ["fr"].concat(langs);
    renderReview(data, langs);
    renderSummaries(data, columns);
    renderHead(data, langs, columns);
    renderBody(data, langs, columns);
    renderAbout(data);
    results.hidden = false;
  }

  // -- linked sentences ----------------------------------------------------------------------

  function sentenceOf(target) {
    return target && target.closest ? target.closest(".sent") : null;
  }

  function link(sentence) {
    results.querySelectorAll(".sent.is-linked, .sent.is-current").forEach(function (n) {
      n.classList.remove("is-linked", "is-current");
    });
    if (!sentence) return;
    var selector = '.sent[data-p="' + sentence.dataset.p + '"][data-s="' + sentence.dataset.s + '"]';
    results.querySelectorAll(selector).forEach(function (n) { n.classList.add("is-linked"); });
    sentence.classList.add("is-current");
  }

  var table = byId("aligned");
  table.addEventListener("mouseover", function (event) {
    var s = sentenceOf(event.target);
    if (s) link(s);
  });
  table.addEventListener("mouseleave", function () {
    link(pinned);
  });
  table.addEventListener("focusin", function (event) {
    var s = sentenceOf(event.target);
    if (s) link(s);
  });
  table.addEventListener("focusout", function () {
    link(pinned);
  });
  table.addEventListener("click", function (event) {
    var s = sentenceOf(event.target);
    pinned = s && s !== pinned ? s : null;
    link(pinned || s);
  });
  table.addEventListener("keydown", function (event) {
    var s = sentenceOf(event.target);
    if (!s) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      pinned = s !== pinned ? s : null;
      link(s);
    } else if (event.key === "Escape") {
      pinned = null;
      link(null);
    }
  });

  // -- copy and download ---------------------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () {
        return legacyCopy(text);
      });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var scratch = el("textarea", { readonly: true, "aria-hidden": "true", className: "offscreen" });
    scratch.value = text;
    document.body.appendChild(scratch);
    scratch.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (ignored) {
      ok = false;
    }
    scratch.remove();
    return ok;
  }

  function fileStem(data) {
    var id = String((data && data.id) || "result").replace(/[^A-Za-z0-9._-]+/g, "-");
    return "dispatch-" + id;
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a", { href: url, download: name, className: "offscreen" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // The same report as DispatchResult.to_markdown: translations, then bullets in each language.
  function flagReason(flag) {
    return Object.prototype.hasOwnProperty.call(FLAG_DESCRIPTIONS, flag)
      ? flag + ": " + FLAG_DESCRIPTIONS[flag]
      : String(flag);
  }

  // The flagged sentences of a translation, as DispatchResult.to_markdown lists them.
  function sentencesToCheck(translation) {
    var segments = translation.segments || [];
    var flagged = [];
    segments.forEach(function (segment, index) {
      if (segment.flags && segment.flags.length) flagged.push([index + 1, segment]);
    });
    if (!flagged.length) return [];
    var lines = ["**To check: " + flagged.length + " of " + segments.length + " sentences**", ""];
    flagged.forEach(function (item) {
      var segment = item[1];
      lines.push("- ⚠ sentence " + item[0] + ": " + String(segment.translation).trim());
      lines.push("  - source: " + String(segment.source).trim());
      segment.flags.forEach(function (flag) {
        lines.push("  - " + flagReason(flag));
        notesOf(segment, flag).forEach(function (note) { lines.push("    - " + note); });
      });
    });
    lines.push("");
    return lines;
  }

  function toMarkdown(data) {
    var lines = ["# Dispatch " + data.id, ""];
    var translations = data.translations || {};
    Object.keys(translations).forEach(function (lang) {
      lines.push("## " + (MARKDOWN_NAMES[lang] || lang), "", String(translations[lang].translation || "").trim(), "");
      lines = lines.concat(sentencesToCheck(translations[lang]));
    });
    var summaries = data.summaries || {};
    if (Object.keys(summaries).length) {
      lines.push("## Summary", "");
      var reason = data.summarizer && data.summarizer.fallback_reason;
      if (reason) lines.push("_Summarizer fell back to extractive: " + reason + "._", "");
      Object.keys(summaries).forEach(function (lang) {
        lines.push("### " + (MARKDOWN_NAMES[lang] || lang), "");
        (summaries[lang] || []).forEach(function (bullet) {
          var marks = (bullet.flags || []).map(flagReason);
          if (bullet.supported === false) {
            marks.unshift("not found in the source: " + (bullet.unsupported || []).join(", "));
          }
          lines.push("- " + bullet.text + marks.map(function (mark) { return " ⚠ " + mark; }).join(""));
        });
        lines.push("");
      });
    }
    return lines.join("\n").replace(/\s+$/, "") + "\n";
  }

  byId("download-json").addEventListener("click", function () {
    if (lastResult) download(fileStem(lastResult) + ".json", "application/json", JSON.stringify(lastResult, null, 2) + "\n");
  });
  byId("download-markdown").addEventListener("click", function () {
    if (lastResult) download(fileStem(lastResult) + ".md", "text/markdown", toMarkdown(lastResult));
  });

  // -- start ---------------------------------------------------------------------------------

  apiKey.value = storedKey();
  apiKey.addEventListener("change", rememberKey);
  apiKey.addEventListener("change", loadGlossaries);
  loadGlossaries();

  (function watchReadiness() {
    fetch("readyz", { headers: { Accept: "application/json" } }).then(function (r) {
      if (r.ok) {
        if (statusLine.textContent.indexOf("Models are loading") === 0) setStatus("Models are ready.");
        return;
      }
      if (!busy && !statusLine.textContent) setStatus("Models are loading; you can paste a dispatch meanwhile.");
      setTimeout(watchReadiness, 5000);
    }, function () { /* unreachable: the translate button reports it */ });
  })();
})();
