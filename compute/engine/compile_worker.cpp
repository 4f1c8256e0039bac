#include "compile_worker.h"

#include <wb/error.h>
#include <wb/kernel_compile.h>

#include <exception>
#include <new>

namespace wb::engine {

namespace {

using nlohmann::json;

json replyFields(const KernelCompileResult& result, bool withPtx)
{
    json diagnostics = json::array();
    for (const KernelDiagnostic& diagnostic : result.diagnostics)
        diagnostics.push_back({{"file", diagnostic.file},
                               {"line", diagnostic.line},
                               {"column", diagnostic.column},
                               {"severity", diagnostic.severity},
                               {"message", diagnostic.message}});
    json kernels = json::array();
    for (const KernelResources& kernel : result.kernels)
        kernels.push_back({{"name", kernel.name},
                           {"mangled_name", kernel.mangledName},
                           {"registers", kernel.registers},
                           {"shared_bytes", kernel.sharedBytes},
                           {"stack_bytes", kernel.stackBytes},
                           {"spill_store_bytes", kernel.spillStoreBytes},
                           {"spill_load_bytes", kernel.spillLoadBytes},
                           {"barriers", kernel.barriers}});
    json fields = {{"success", result.success},
                   {"arch", result.arch},
                   {"compile_ms", result.compileMs},
                   {"cache_hit", result.cacheHit},
                   {"diagnostics", std::move(diagnostics)},
                   {"kernels", std::move(kernels)},
                   {"log", result.log}};
    if (withPtx && result.success)
        fields["ptx"] = result.ptx;
    if (!result.sass.empty() || !result.sassNote.empty()) {
        fields["sass"] = result.sass;
        fields["sass_note"] = result.sassNote;
    }
    return fields;
}

} // namespace

CompileWorker::CompileWorker(Reply reply, ReplyError replyError)
    : m_reply(std::move(reply))
    , m_replyError(std::move(replyError))
    , m_thread([this] { loop(); })
{
}

CompileWorker::~CompileWorker()
{
    stop();
    m_thread.join();
}

void CompileWorker::submit(std::int64_t id, CompileRequest request)
{
    {
        const std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_queue.emplace_back(id, std::move(request));
            m_wake.notify_one();
            return;
        }
    }
    m_replyError(id, codeName(ErrorCode::Unavailable), "the engine is shutting down");
}

void CompileWorker::stop()
{
    std::deque<std::pair<std::int64_t, CompileRequest>> left;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
        left.swap(m_queue);
    }
    m_wake.notify_one();
    for (const auto& [id, request] : left)
        m_replyError(id, codeName(ErrorCode::Unavailable), "the engine is shutting down");
}

void CompileWorker::loop()
{
    for (;;) {
        std::pair<std::int64_t, CompileRequest> next;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty())
                return;
            next = std::move(m_queue.front());
            m_queue.pop_front();
        }
        serve(next.first, next.second);
    }
}

void CompileWorker::serve(std::int64_t id, const CompileRequest& request)
{
    try {
        m_reply(id, replyFields(compileKernel(request.kernel), request.ptx));
    } catch (const Error& error) {
        m_replyError(id, codeName(error.code()), error.message());
    } catch (const std::bad_alloc&) {
        m_replyError(id, codeName(ErrorCode::OutOfMemory), "the engine ran out of host memory compiling the kernel");
    } catch (const std::exception& error) {
        m_replyError(id, codeName(ErrorCode::Internal), error.what());
    }
}

} // namespace wb::engine
