-- Run by neovim.test.ts inside `nvim --headless --clean` (Debian's 0.7.2), with the migration
-- open: attaches pg-index-guard's language server the way an init.lua does, waits for its
-- diagnostics, applies its "disable for this line" code action, waits for the diagnostic to go
-- and writes what Neovim saw to $PGIG_OUT as JSON.
local out = os.getenv('PGIG_OUT')
local result = { steps = {} }

local function diagnostics()
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local lsp = (d.user_data and d.user_data.lsp) or {}
    table.insert(list, {
      lnum = d.lnum,
      col = d.col,
      severity = d.severity,
      message = d.message,
      source = d.source,
      code = lsp.code,
      href = lsp.codeDescription and lsp.codeDescription.href or vim.NIL,
    })
  end
  return list
end

local function finish()
  local file = io.open(out, 'w')
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qa!')
end

local ok, problem = pcall(function()
  local client_id = vim.lsp.start_client({
    name = 'pg-index-guard',
    cmd = { os.getenv('PGIG_NODE'), os.getenv('PGIG_CLI'), 'lsp', '--stdio' },
    root_dir = os.getenv('PGIG_ROOT'),
    -- Neovim 0.7 neither offers workspace/configuration nor pushes settings: initializationOptions.
    init_options = { largeTables = { 'messages' } },
  })
  result.filetype = vim.bo.filetype
  result.attached = vim.lsp.buf_attach_client(0, client_id)
  result.steps.diagnosed = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  result.diagnostics = diagnostics()

  -- What :lua vim.lsp.buf.code_action() sends on the finding's line (0.7 keeps only part of the
  -- LSP diagnostic in user_data: get_line_diagnostics converts it back whole).
  local first = vim.diagnostic.get(0)[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(0, first.lnum) }
  local responses = vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, 10000) or {}
  result.actions = {}
  local disable
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      table.insert(result.actions, action.title)
      if action.title == 'Disable ' .. first.user_data.lsp.code .. ' for this line' then disable = action end
    end
  end
  if disable then
    vim.lsp.util.apply_workspace_edit(disable.edit, 'utf-16')
    result.steps.applied = true
    local code = first.user_data.lsp.code
    result.steps.cleared = vim.wait(30000, function()
      for _, d in ipairs(vim.diagnostic.get(0)) do
        if d.user_data.lsp.code == code then return false end
      end
      return true
    end, 50)
    result.after = diagnostics()
    result.text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  end
  vim.lsp.stop_client(client_id)
  result.steps.stopped = vim.wait(10000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end)
if not ok then result.error = tostring(problem) end
finish()
