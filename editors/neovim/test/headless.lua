-- Headless Neovim test: rdock as the server of a Dockerfile buffer.
-- Run by tests/it/neovim.rs: RDOCK=... DOCKERFILE=... RESULT=... nvim --headless -u NONE
--   --cmd "set rtp+=editors/neovim" -c "luafile editors/neovim/test/headless.lua"
-- Uses only APIs present in Neovim 0.7 (vim.lsp.start_client).
local rdock = os.getenv("RDOCK")
local file = os.getenv("DOCKERFILE")
local out = os.getenv("RESULT")

local function finish(ok, msg)
  local f = io.open(out, "w")
  f:write((ok and "PASS " or "FAIL ") .. msg .. "\n")
  f:close()
  vim.cmd("qall!")
end

vim.cmd("filetype on")
require("rdock").setup({ cmd = { rdock, "lsp" }, fix_all_on_save = true })
vim.cmd("edit " .. vim.fn.fnameescape(file))
if vim.bo.filetype ~= "dockerfile" then
  return finish(false, "Containerfile was not detected as a dockerfile: " .. vim.bo.filetype)
end
local buf = vim.api.nvim_get_current_buf()

local function wait(ms, cond)
  return vim.wait(ms, cond, 20)
end

-- 1. Diagnostics arrive from rdock.
local got = wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end)
if not got then
  return finish(false, "no diagnostics from rdock")
end
local codes = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  codes[#codes + 1] = tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
end
table.sort(codes)

-- 2. A code action (the fix-all) applied to the buffer, then written.
require("rdock").fix_all(buf, 5000)
local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
vim.cmd("write")

-- 3. Diagnostics are recomputed for the fixed text.
wait(3000, function()
  return false
end)
local after = #vim.diagnostic.get(buf)
finish(true, table.concat(codes, ",") .. "|" .. after .. "|" .. text:gsub("\n", "\\n"))
