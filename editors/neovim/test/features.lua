-- Headless Neovim test of the plugin's editor side: file type detection,
-- K and gd, one client per root folder, lsp/rdock.lua, the README's settings.
-- Run by tests/it/neovim.rs: RDOCK=... WORK=... RESULT=... nvim --headless -u NONE
--   --cmd "set rtp+=editors/neovim" -c "luafile editors/neovim/test/features.lua"
-- WORK holds a/.git, a/app.dockerfile, a/sub/Dockerfile.prod, b/.rdock.toml,
-- b/Containerfile. Writes one `key=value` line per check to RESULT.
local rdock = os.getenv("RDOCK")
local work = os.getenv("WORK")
local out = io.open(os.getenv("RESULT"), "w")

local function put(key, value)
  out:write(key .. "=" .. tostring(value) .. "\n")
  out:flush()
end

local function wait(ms, cond)
  return vim.wait(ms, cond, 20)
end

local ok, err = pcall(function()
  vim.cmd("filetype on")
  -- SETTINGS: the README's `settings = { ... }` example, as Lua.
  local settings = assert(loadstring("return " .. os.getenv("SETTINGS")))()
  require("rdock").setup({ cmd = { rdock, "lsp" }, settings = settings, fix_all_on_save = false })

  local function open(rel)
    vim.cmd("edit " .. vim.fn.fnameescape(work .. "/" .. rel))
    local buf = vim.api.nvim_get_current_buf()
    put("filetype " .. rel, vim.bo[buf].filetype)
    local attached = wait(10000, function()
      return next(vim.lsp.buf_get_clients(buf)) ~= nil
    end)
    local ids = {}
    for id, client in pairs(vim.lsp.buf_get_clients(buf)) do
      ids[#ids + 1] = id .. "@" .. client.config.root_dir
    end
    put("clients " .. rel, attached and table.concat(ids, ",") or "none")
    return buf
  end

  local a = open("a/app.dockerfile")
  -- The mappings, buffer-local once rdock attached.
  for _, lhs in ipairs({ "K", "gd" }) do
    local map = vim.fn.maparg(lhs, "n", false, true)
    put("map " .. lhs, map.buffer == 1 and "buffer" or "none")
  end
  -- gd on `build` in `FROM build AS final` goes to the stage's definition.
  wait(10000, function()
    return #vim.diagnostic.get(a) > 0
  end)
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(a)) do
    codes[#codes + 1] = tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
  end
  table.sort(codes)
  put("codes", table.concat(codes, ","))
  vim.api.nvim_win_set_cursor(0, { 3, 6 })
  vim.cmd("normal gd")
  wait(5000, function()
    return vim.api.nvim_win_get_cursor(0)[1] ~= 3
  end)
  put("gd", table.concat(vim.api.nvim_win_get_cursor(0), ":"))
  -- K opens a floating window with the hover.
  vim.api.nvim_win_set_cursor(0, { 3, 6 })
  vim.cmd("normal K")
  local float = wait(5000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        return true
      end
    end
    return false
  end)
  put("hover", float and "float" or "none")
  -- Document highlight on `build` (line 3) and the base image's link,
  -- asked through Neovim's own LSP client.
  vim.api.nvim_set_current_buf(a)
  vim.api.nvim_win_set_cursor(0, { 3, 6 })
  local hl = vim.lsp.buf_request_sync(a, "textDocument/documentHighlight", vim.lsp.util.make_position_params(), 5000) or {}
  local lines = {}
  for _, r in pairs(hl) do
    for _, h in ipairs(r.result or {}) do
      lines[#lines + 1] = h.range.start.line .. ":" .. tostring(h.kind)
    end
  end
  put("highlights", table.concat(lines, ","))
  local links = vim.lsp.buf_request_sync(a, "textDocument/documentLink", { textDocument = vim.lsp.util.make_text_document_params() }, 5000) or {}
  local targets = {}
  for _, r in pairs(links) do
    for _, l in ipairs(r.result or {}) do
      targets[#targets + 1] = l.range.start.line .. ":" .. l.target
    end
  end
  put("links", table.concat(targets, ","))

  -- Formatting (0.7: formatting_sync; 0.8+: format) and workspace symbols,
  -- through Neovim's own client: a file in a's folder that is not open
  -- (a/tools/Dockerfile) is searched too.
  local m = open("a/messy.dockerfile")
  wait(10000, function()
    return #vim.diagnostic.get(m) > 0
  end)
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ async = false, timeout_ms = 5000 })
  else
    vim.lsp.buf.formatting_sync(nil, 5000)
  end
  put("formatted", table.concat(vim.api.nvim_buf_get_lines(m, 0, -1, false), "|"))
  local ws = vim.lsp.buf_request_sync(m, "workspace/symbol", { query = "toolbox" }, 10000) or {}
  local symbols = {}
  for _, r in pairs(ws) do
    for _, sym in ipairs(r.result or {}) do
      symbols[#symbols + 1] = sym.name .. "@" .. vim.fn.fnamemodify(vim.uri_to_fname(sym.location.uri), ":t")
    end
  end
  put("workspace symbols", table.concat(symbols, ","))

  open("a/sub/Dockerfile.prod")
  open("b/Containerfile")
  put("client count", #vim.lsp.get_active_clients())

  -- The 0.11 runtime file: a config table for vim.lsp.config.
  local files = vim.api.nvim_get_runtime_file("lsp/rdock.lua", false)
  local config = files[1] and dofile(files[1]) or {}
  put("lsp/rdock.lua", table.concat(config.cmd or {}, " ") .. "|" .. table.concat(config.filetypes or {}, ","))
end)
put("done", ok and "ok" or err)
out:close()
vim.cmd("qall!")
