package server

import "net/http"

// securityRoutes adds the security routes.
func (s *Server) securityRoutes(mux *http.ServeMux) {}
