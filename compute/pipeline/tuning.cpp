// Tuning runs: the @tune rules, the configurations, the rewritten programs they run as,
// and the text edits that give the editor the best one. docs/pipeline-language.md, "Tuning".

#include "pipeline/lexer.h"

#include <wb/error.h>
#include <wb/pipeline_tune.h>

#include <algorithm>
#include <array>
#include <functional>
#include <set>

namespace wb::pipeline {

namespace {

constexpr std::size_t kMaxTunedParameters = 2;
constexpr std::int64_t kMaxBlockThreads = 1024;
constexpr std::array<std::int64_t, 3> kMaxBlockDims{1024, 1024, 64};

void walk(const Expression& expression, const std::function<void(const Expression&)>& onNode)
{
    onNode(expression);
    std::visit(
        [&](const auto& node) {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Tuple>) {
                for (const Argument& element : node.elements)
                    walk(*element.value, onNode);
            } else if constexpr (std::is_same_v<Node, Call>) {
                for (const Argument& argument : node.arguments)
                    walk(*argument.value, onNode);
            } else if constexpr (std::is_same_v<Node, Negation>) {
                walk(*node.operand, onNode);
            } else if constexpr (std::is_same_v<Node, Binary>) {
                walk(*node.left, onNode);
                walk(*node.right, onNode);
            }
        },
        expression.node);
}

bool uses(const Expression& expression, const std::string& name)
{
    bool found = false;
    walk(expression, [&](const Expression& node) {
        if (const auto* used = std::get_if<Name>(&node.node); used && used->name == name)
            found = true;
    });
    return found;
}

const Argument* keywordArgument(const Call& call, std::string_view keyword)
{
    for (const Argument& argument : call.arguments)
        if (argument.keyword == keyword)
            return &argument;
    return nullptr;
}

// The argument bound to parameter `position` (0-based) of a call, by keyword or position.
const Expression* argumentAt(const Call& call, std::size_t position, std::string_view keyword)
{
    if (const Argument* named = keywordArgument(call, keyword))
        return named->value.get();
    if (position < call.arguments.size() && call.arguments[position].keyword.empty())
        return call.arguments[position].value.get();
    return nullptr;
}

std::optional<std::int64_t> integerOf(const Expression& expression)
{
    if (const auto* number = std::get_if<Number>(&expression.node); number && number->isInteger)
        return number->integer;
    return std::nullopt;
}

// The defines=(NAME=VALUE, ...) element named `name`, or null.
const Argument* defineElement(const Call& launch, const std::string& name)
{
    const Argument* defines = keywordArgument(launch, "defines");
    if (!defines)
        return nullptr;
    const auto* tuple = std::get_if<Tuple>(&defines->value->node);
    if (!tuple)
        return nullptr;
    for (const Argument& element : tuple->elements)
        if (element.keyword == name)
            return &element;
    return nullptr;
}

std::string defineNames(const Call& launch)
{
    std::string names;
    if (const Argument* defines = keywordArgument(launch, "defines"))
        if (const auto* tuple = std::get_if<Tuple>(&defines->value->node))
            for (const Argument& element : tuple->elements)
                if (!element.keyword.empty())
                    names += (names.empty() ? "" : ", ") + element.keyword;
    return names;
}

// The written block's elements: an int, or a tuple of ints and define names.
std::vector<const Expression*> blockElements(const Call& launch)
{
    const Argument* block = keywordArgument(launch, "block");
    if (!block)
        return {};
    if (const auto* tuple = std::get_if<Tuple>(&block->value->node)) {
        std::vector<const Expression*> elements;
        for (const Argument& element : tuple->elements)
            elements.push_back(element.value.get());
        return elements;
    }
    return {block->value.get()};
}

class SpecBuilder {
public:
    SpecBuilder(const Program& program, std::vector<Diagnostic>* diagnostics)
        : m_program(program)
        , m_diagnostics(diagnostics)
    {
    }

    TuningSpec build()
    {
        for (const Directive& directive : m_program.directives) {
            if (directive.name != "tune" || directive.values.size() < 2)
                continue;
            if (m_spec.parameters.size() == kMaxTunedParameters) {
                error(directive.location, 5,
                      "at most two parameters are tuned at once (bars for one, a heat map for two); this @tune is a "
                      "third");
                continue;
            }
            TunedParameter parameter{directive.values.front().text, directive.values.front().location, {}, {}};
            for (std::size_t i = 1; i < directive.values.size(); ++i) {
                parameter.values.push_back(directive.values[i].integer.value_or(0));
                parameter.valueLocations.push_back(directive.values[i].location);
            }
            m_spec.parameters.push_back(std::move(parameter));
        }
        if (!m_spec.active())
            return m_spec;
        const SourceLocation at = firstTune();
        if (!findLaunch(at))
            return failed();
        const auto& launch = std::get<Call>(m_spec.launch->node);
        bool ok = true;
        for (const TunedParameter& parameter : m_spec.parameters)
            ok = checkParameter(launch, parameter) && ok;
        if (!ok)
            return failed();
        if (!checkThreads(launch))
            return failed();
        findChecks(at);
        if (m_spec.checks.empty())
            return failed();
        return m_spec;
    }

private:
    void error(SourceLocation location, int length, std::string message)
    {
        if (m_diagnostics)
            m_diagnostics->push_back({Severity::Error, location, std::max(length, 1), std::move(message)});
    }

    TuningSpec failed()
    {
        TuningSpec none;
        return none;
    }

    SourceLocation firstTune() const
    {
        for (const Directive& directive : m_program.directives)
            if (directive.name == "tune")
                return directive.location;
        return {};
    }

    bool findLaunch(SourceLocation at)
    {
        std::vector<std::pair<const Statement*, const Expression*>> launches;
        for (const Statement& statement : m_program.statements)
            walk(*statement.value, [&](const Expression& node) {
                if (const auto* call = std::get_if<Call>(&node.node); call && call->function == "launch")
                    launches.emplace_back(&statement, &node);
            });
        if (launches.empty()) {
            error(at, 5, "@tune tunes a launch(), and this pipeline has none");
            return false;
        }
        if (launches.size() > 1) {
            std::string places;
            for (const auto& [statement, call] : launches)
                places += (places.empty() ? "" : ", ") + toString(call->location);
            error(at, 5,
                  "@tune tunes the pipeline's one launch(), and this one has " + std::to_string(launches.size()) +
                      " (at " + places + ")");
            return false;
        }
        const auto [statement, call] = launches.front();
        if (!statement->target) {
            error(call->location, 6, "assign the tuned launch's value to a name, so that check() can verify it");
            return false;
        }
        m_spec.launchStatement = statement;
        m_spec.launch = call;
        m_spec.step = statement->value.get() == call ? *statement->target : toString(*call);
        return true;
    }

    bool checkParameter(const Call& launch, const TunedParameter& parameter)
    {
        const int length = static_cast<int>(parameter.name.size());
        const std::string where = "launch() at " + toString(m_spec.launch->location);
        if (parameter.name == "block") {
            const std::vector<const Expression*> block = blockElements(launch);
            if (!block.empty() && !integerOf(*block.front())) {
                const auto* name = std::get_if<Name>(&block.front()->node);
                error(parameter.location, length,
                      "@tune block: the block's x of " + where + " is " +
                          (name ? "the define " + name->name + "; tune " + name->name + " instead"
                                : "not a number; write block= with a number first"));
                return false;
            }
            return true;
        }
        const Argument* define = defineElement(launch, parameter.name);
        if (!define) {
            const std::string names = defineNames(launch);
            error(parameter.location, length,
                  "@tune " + parameter.name + ": " + where + " has no define " + parameter.name +
                      (names.empty() ? " (it has no defines=)" : " (its defines: " + names + ")") +
                      "; add it to defines=(...) or tune block");
            return false;
        }
        return true;
    }

    // The value a block element takes in one configuration; nullopt when it is not known
    // here (an expression, or a define that is not a number).
    std::optional<std::int64_t> elementValue(const Call& launch, const Expression& element,
                                             const std::vector<std::int64_t>& values, std::size_t position) const
    {
        for (std::size_t p = 0; p < m_spec.parameters.size(); ++p) {
            const std::string& name = m_spec.parameters[p].name;
            if (name == "block" && position == 0)
                return values[p];
            if (const auto* used = std::get_if<Name>(&element.node); used && used->name == name)
                return values[p];
        }
        if (const auto* used = std::get_if<Name>(&element.node)) {
            const Argument* define = defineElement(launch, used->name);
            return define ? integerOf(*define->value) : std::nullopt;
        }
        return integerOf(element);
    }

    // Each configuration's block within CUDA's limits, where it is known before planning.
    bool checkThreads(const Call& launch)
    {
        std::vector<const Expression*> block = blockElements(launch);
        const Number placeholder{1, true, 1};
        const Expression tunedX{m_spec.launch->location, placeholder};
        if (block.empty())
            block.push_back(&tunedX); // no block=: a tuned block is (x, 1, 1)
        std::set<std::pair<int, int>> reported;
        bool ok = true;
        for (const std::vector<std::int64_t>& values : tuningConfigurations(m_spec.parameters)) {
            std::int64_t threads = 1;
            std::string dims;
            std::string limit;
            for (std::size_t d = 0; d < block.size() && d < 3; ++d) {
                const std::optional<std::int64_t> size = elementValue(launch, *block[d], values, d);
                if (!size)
                    return ok; // decided when planning, where the launch's own checks see it
                threads *= *size;
                dims += (d == 0 ? "" : ", ") + std::to_string(*size);
                if (*size > kMaxBlockDims[d] && limit.empty())
                    limit = "a " + std::string(1, "xyz"[d]) + " of " + std::to_string(*size) + ", at most " +
                            std::to_string(kMaxBlockDims[d]);
            }
            if (threads <= kMaxBlockThreads && limit.empty())
                continue;
            // At the value of the first tuned parameter the block depends on.
            for (std::size_t p = 0; p < m_spec.parameters.size(); ++p) {
                const TunedParameter& parameter = m_spec.parameters[p];
                const bool inBlock = parameter.name == "block" || std::any_of(block.begin(), block.end(), [&](auto* e) {
                                         return uses(*e, parameter.name);
                                     });
                if (!inBlock)
                    continue;
                const auto at = std::find(parameter.values.begin(), parameter.values.end(), values[p]);
                const SourceLocation location =
                    parameter.valueLocations[static_cast<std::size_t>(at - parameter.values.begin())];
                if (reported.emplace(location.line, location.column).second)
                    error(location, static_cast<int>(std::to_string(values[p]).size()),
                          "@tune " + parameter.name + " " + std::to_string(values[p]) + ": the block (" + dims +
                              ") of launch() at " + toString(m_spec.launch->location) + " has " +
                              (threads > kMaxBlockThreads
                                   ? std::to_string(threads) + " threads, at most " + std::to_string(kMaxBlockThreads)
                                   : limit));
                ok = false;
                break;
            }
        }
        return ok;
    }

    void findChecks(SourceLocation at)
    {
        const std::string& target = *m_spec.launchStatement->target;
        for (const Statement& statement : m_program.statements) {
            const auto* call = std::get_if<Call>(&statement.value->node);
            if (!call || call->function != "check")
                continue;
            const Expression* x = argumentAt(*call, 0, "x");
            if (x && argumentAt(*call, 3, "ref") && uses(*x, target))
                m_spec.checks.push_back(statement.value->location);
        }
        if (m_spec.checks.empty())
            error(at, 5,
                  "@tune needs a check(" + target + ", ref=...) of the tuned launch's value " + target +
                      ", so that every configuration is verified");
    }

    const Program& m_program;
    std::vector<Diagnostic>* m_diagnostics;
    TuningSpec m_spec;
};

ExpressionPtr clone(const Expression& expression);

std::vector<Argument> cloneArguments(const std::vector<Argument>& arguments)
{
    std::vector<Argument> copies;
    for (const Argument& argument : arguments)
        copies.push_back({argument.keyword, argument.keywordLocation, clone(*argument.value)});
    return copies;
}

ExpressionPtr clone(const Expression& expression)
{
    auto copy = std::make_unique<Expression>();
    copy->location = expression.location;
    copy->node = std::visit(
        [](const auto& node) -> decltype(Expression::node) {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Tuple>)
                return Tuple{cloneArguments(node.elements)};
            else if constexpr (std::is_same_v<Node, Call>)
                return Call{node.function, cloneArguments(node.arguments)};
            else if constexpr (std::is_same_v<Node, Negation>)
                return Negation{clone(*node.operand)};
            else if constexpr (std::is_same_v<Node, Binary>)
                return Binary{node.op, node.operatorLocation, clone(*node.left), clone(*node.right)};
            else
                return node;
        },
        expression.node);
    return copy;
}

Expression* findCallAt(Expression& expression, SourceLocation location)
{
    Expression* found = nullptr;
    walk(expression, [&](const Expression& node) {
        if (!found && node.location == location && std::holds_alternative<Call>(node.node))
            found = const_cast<Expression*>(&node); // the tree is ours: a fresh clone
    });
    return found;
}

void setInteger(Expression& expression, std::int64_t value)
{
    expression.node = Number{static_cast<double>(value), true, value};
}

// A token's index by its location.
std::size_t tokenAt(const std::vector<Token>& tokens, SourceLocation location)
{
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i].location == location)
            return i;
    fail(ErrorCode::InvalidArgument, "no token at " + toString(location));
}

} // namespace

TuningSpec tuningSpec(const Program& program, std::vector<Diagnostic>* diagnostics)
{
    return SpecBuilder(program, diagnostics).build();
}

std::vector<std::vector<std::int64_t>> tuningConfigurations(const std::vector<TunedParameter>& parameters)
{
    std::vector<std::vector<std::int64_t>> configurations;
    if (parameters.empty())
        return configurations;
    configurations.emplace_back();
    for (const TunedParameter& parameter : parameters) {
        std::vector<std::vector<std::int64_t>> longer;
        for (const std::vector<std::int64_t>& prefix : configurations)
            for (const std::int64_t value : parameter.values) {
                longer.push_back(prefix);
                longer.back().push_back(value);
            }
        configurations = std::move(longer);
    }
    return configurations;
}

std::optional<std::size_t> bestConfiguration(const std::vector<TuningConfiguration>& configurations)
{
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < configurations.size(); ++i) {
        const TuningConfiguration& candidate = configurations[i];
        if (!candidate.passed || candidate.time.n == 0)
            continue;
        if (!best || candidate.time.medianMs < configurations[*best].time.medianMs)
            best = i;
    }
    return best;
}

std::string configurationLabel(const TuningResult& result, std::size_t index)
{
    std::string label;
    const std::vector<std::int64_t>& values = result.configurations.at(index).values;
    for (std::size_t p = 0; p < result.parameters.size() && p < values.size(); ++p)
        label += (p == 0 ? "" : ", ") + result.parameters[p] + "=" + std::to_string(values[p]);
    return label;
}

Program configuredProgram(const Program& program, const TuningSpec& spec, const std::vector<std::int64_t>& values)
{
    Program configured;
    for (const Directive& directive : program.directives)
        if (directive.name != "tune")
            configured.directives.push_back(directive);
    for (const Statement& statement : program.statements) {
        Statement copy{statement.location, statement.target, statement.targetLocation, clone(*statement.value)};
        if (&statement == spec.launchStatement) {
            Expression* launch = findCallAt(*copy.value, spec.launch->location);
            auto& call = std::get<Call>(launch->node);
            for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
                const std::string& name = spec.parameters[p].name;
                if (name != "block") {
                    setInteger(*const_cast<Argument*>(defineElement(call, name))->value, values[p]);
                    continue;
                }
                auto block = std::find_if(call.arguments.begin(), call.arguments.end(),
                                          [](const Argument& a) { return a.keyword == "block"; });
                if (block == call.arguments.end()) {
                    auto x = std::make_unique<Expression>();
                    x->location = launch->location;
                    setInteger(*x, values[p]);
                    call.arguments.push_back({"block", launch->location, std::move(x)});
                } else if (auto* tuple = std::get_if<Tuple>(&block->value->node)) {
                    setInteger(*tuple->elements.front().value, values[p]);
                } else {
                    setInteger(*block->value, values[p]);
                }
            }
        }
        configured.statements.push_back(std::move(copy));
    }
    return configured;
}

TuningResult runTuning(const Program& program, const RunOptions& options, const std::atomic<bool>* cancel,
                       std::optional<RunError>& lost, bool& cancelled, RunObserver* observer)
{
    const TuningSpec spec = tuningSpec(program);
    TuningResult result;
    if (!spec.active())
        return result;
    result.step = spec.step;
    result.line = spec.launch->location.line;
    for (const TunedParameter& parameter : spec.parameters)
        result.parameters.push_back(parameter.name);
    const std::vector<std::vector<std::int64_t>> configurations = tuningConfigurations(spec.parameters);
    for (const std::vector<std::int64_t>& values : configurations)
        result.configurations.push_back({values, {}, false, 0, false, {}});
    if (std::find(options.backends.begin(), options.backends.end(), "gpu") == options.backends.end()) {
        result.note = "not tuned: launch() runs on the GPU, and this run has none";
        return result;
    }
    RunOptions gpu = options;
    gpu.backends = {"gpu"};
    gpu.keepValues = false;
    for (std::size_t index = 0; index < result.configurations.size(); ++index) {
        TuningConfiguration& configuration = result.configurations[index];
        if (observer)
            observer->tuningStarted(spec.step, static_cast<int>(index), static_cast<int>(result.configurations.size()),
                                    configurationLabel(result, index));
        const Program configured = configuredProgram(program, spec, configuration.values);
        RunResult run;
        try {
            run = pipeline::run(configured, gpu, nullptr, cancel);
        } catch (const Error& error) {
            // Planning refused this configuration (a block over a limit that only the
            // planner sees, say): that configuration fails, the others go on.
            configuration.failure = error.message();
            continue;
        }
        if (run.cancelled) {
            cancelled = true;
            break;
        }
        if (run.backends.size() == 1)
            result.backend = run.backends.front();
        if (run.error) {
            configuration.failure = run.error->message;
            if (run.error->code == ErrorCode::DeviceLost) {
                lost = run.error;
                break;
            }
            continue;
        }
        const auto row = std::find_if(run.steps.begin(), run.steps.end(),
                                      [&](const StepFigures& figures) { return figures.step == spec.step; });
        if (row == run.steps.end()) {
            configuration.failure = "the launch's row is missing from the run";
            continue;
        }
        configuration.time = row->time;
        if (row->build) {
            configuration.compileMs = row->build->compileMs;
            configuration.cacheHit = row->build->cacheHit;
        }
        configuration.passed = true;
        for (const CheckOutcome& check : run.checks) {
            const bool verifies =
                std::find(spec.checks.begin(), spec.checks.end(), check.location) != spec.checks.end();
            if (verifies && !check.passed && configuration.passed) {
                configuration.passed = false;
                configuration.failure = "check " + check.name + " against " + check.reference + " (line " +
                                        std::to_string(check.location.line) + ") failed";
            }
        }
    }
    result.best = bestConfiguration(result.configurations);
    return result;
}

std::vector<TextEdit> configurationEdits(std::string_view source, const TuningResult& result, std::size_t index)
{
    const ParseResult parsed = parse(source);
    if (!parsed.ok())
        fail(ErrorCode::InvalidArgument, "the pipeline does not parse; fix it before using a tuned configuration");
    const TuningSpec spec = tuningSpec(parsed.program);
    if (!spec.active())
        fail(ErrorCode::InvalidArgument, "the pipeline has no tuned launch() any more");
    std::vector<Diagnostic> lexed;
    const std::vector<Token> tokens = tokenize(source, lexed);
    const auto& call = std::get<Call>(spec.launch->node);
    const std::vector<std::int64_t>& values = result.configurations.at(index).values;
    std::vector<TextEdit> edits;
    auto replaceNumber = [&](const Expression& number, std::int64_t value) {
        const Token& token = tokens[tokenAt(tokens, number.location)];
        edits.push_back({token.location, token.length, std::to_string(value)});
    };
    for (std::size_t p = 0; p < result.parameters.size() && p < values.size(); ++p) {
        const std::string& name = result.parameters[p];
        if (name != "block") {
            const Argument* define = defineElement(call, name);
            if (!define || !integerOf(*define->value))
                fail(ErrorCode::InvalidArgument, "launch() has no define " + name + " with a number to set");
            replaceNumber(*define->value, values[p]);
            continue;
        }
        const std::vector<const Expression*> block = blockElements(call);
        if (!block.empty()) {
            replaceNumber(*block.front(), values[p]);
            continue;
        }
        // No block= yet: add one before the call's closing parenthesis.
        std::size_t i = tokenAt(tokens, spec.launch->location) + 1; // the '('
        int depth = 0;
        for (; i < tokens.size() && tokens[i].kind != TokenKind::End; ++i) {
            depth += tokens[i].kind == TokenKind::LeftParen ? 1 : tokens[i].kind == TokenKind::RightParen ? -1 : 0;
            if (depth == 0)
                break;
        }
        edits.push_back({tokens[i].location, 0, ", block=" + std::to_string(values[p])});
    }
    std::sort(edits.begin(), edits.end(), [](const TextEdit& a, const TextEdit& b) {
        return a.location.line != b.location.line ? a.location.line > b.location.line
                                                  : a.location.column > b.location.column;
    });
    return edits;
}

std::string applyEdits(std::string_view source, const std::vector<TextEdit>& edits)
{
    std::string text(source);
    for (const TextEdit& edit : edits) {
        std::size_t offset = 0;
        for (int line = 1; line < edit.location.line; ++line)
            offset = text.find('\n', offset) + 1;
        offset += static_cast<std::size_t>(edit.location.column - 1);
        text.replace(offset, static_cast<std::size_t>(edit.length), edit.text);
    }
    return text;
}

} // namespace wb::pipeline
